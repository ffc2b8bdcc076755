"""A synthetic multi-site Vietnamese news corpus with labelled chrome.

Every site gets its own furniture, drawn from pools that no built-in rule
pack is tuned to: a masthead and menu, breadcrumbs, date/time and counter
lines that change on every page, share lines, a related-news heading over
headlines that differ per page, footer address, hotline, copyright, a
prose-like slogan. Articles are random Vietnamese sentences. Each line is
labelled chrome or body, so removal can be scored line by line.

Used by tests/test_learn.py and benchmarks/learn_f1.py.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

WORDS = """người dân chính quyền địa phương huyện xã tỉnh thành phố dự án công trình
kinh tế xã hội giáo dục y tế nông nghiệp sản xuất doanh nghiệp thị trường giá cả
cán bộ đảng viên nhân dân học sinh giáo viên bệnh viện bác sĩ nông dân ngư dân
mùa vụ lúa gạo cà phê hạt điều du lịch giao thông đường sá cầu cống điện nước
chương trình kế hoạch nhiệm vụ giải pháp kết quả thành tích khó khăn thách thức
phát triển đầu tư xây dựng hoàn thành triển khai thực hiện nâng cao đẩy mạnh
tăng cường hỗ trợ kiểm tra giám sát đánh giá tổ chức hội nghị tuyên truyền
môi trường rừng biển sông hồ thời tiết mưa bão lũ lụt hạn hán vùng cao miền núi
trẻ em thanh niên phụ nữ người cao tuổi gia đình cộng đồng văn hóa lễ hội""".split()
FUNCTION = "của và là được các những trong cho với đã có này một không để khi thì mà đến từ về theo tại như cũng sẽ đang nhiều".split()
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng", "Phạm Minh Châu", "Hoàng Yến", "Vũ Đức Thắng",
         "Đặng Thu Hà", "Bùi Quang Huy", "Đỗ Mai", "Ngô Thanh Tùng")
PLACES = ("Sông Lam", "Núi Ngự", "Cửa Việt", "Tây Nguyên", "Hồng Lĩnh", "Phù Sa", "Bến Hải",
          "Trà Lý", "Ba Vì", "Kim Sơn", "Lam Kinh", "Cầu Treo")
SECTIONS = ("Thời sự", "Kinh tế", "Văn hóa", "Xã hội", "Pháp luật", "Thể thao", "Giáo dục", "Sức khỏe")
MENU_SEPS = (" | ", " - ", " · ", "  ")
CRUMB_SEPS = (" » ", " > ", " / ", " › ")
RELATED = ("Đọc nhiều hơn", "Cùng chủ đề", "Bài cùng mục", "Tin đã đưa", "Có thể bạn quan tâm",
           "Đừng bỏ lỡ", "Tiêu điểm khác", "Xem tiếp")
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")


@dataclass
class Page:
    site: str  # folder name
    domain: str
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (line, is chrome)

    @property
    def text(self) -> str:
        return "\n".join(line for line, _ in self.lines) + "\n"

    @property
    def url(self) -> str:
        return f"https://www.{self.domain}/bai-viet/{abs(hash(self.text)) % 10**8}.html"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(rng: random.Random, words: int | None = None) -> str:
    count = words or rng.randint(10, 22)
    picked = [rng.choice(FUNCTION) if rng.random() < 0.3 else rng.choice(WORDS) for _ in range(count)]
    return _cap(" ".join(picked)) + rng.choice(".....!?")[:1]


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def headline(rng: random.Random) -> str:
    return _cap(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13))))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"


class SiteStyle:
    """One site's furniture: fixed strings chosen once, fillers per page."""

    def __init__(self, rng: random.Random, index: int, presence: float = 0.9) -> None:
        self.rng = rng
        self.presence = presence  # chance that a piece of furniture is on a page
        place = PLACES[index % len(PLACES)]
        self.folder = f"site{index:02d}"
        self.domain = f"baotinh{index}.vn"
        name = rng.choice(("Báo", "Tạp chí", "Cổng thông tin", "Đài")) + f" {place}"
        self.head: list = []
        self.tail: list = []
        pick = rng.random
        if pick() < 0.8:
            self.head.append(lambda r: name.upper() if index % 2 else name)
        if pick() < 0.7:
            menu = rng.choice(MENU_SEPS).join(rng.sample(SECTIONS, 5))
            self.head.append(lambda r: menu)
        crumb_sep = rng.choice(CRUMB_SEPS)
        if pick() < 0.6:
            home = rng.choice(("Trang nhất", "Trang chủ", "Home"))
            self.head.append(lambda r: f"{home}{crumb_sep}{r.choice(SECTIONS)}")
        date_style = rng.randrange(4)
        label = rng.choice(("Lượt đọc", "Số lần xem", "Đã xem"))
        self.dateline = [
            lambda r: f"{r.choice(WEEKDAYS)}, {_date(r)} {_time(r)}",
            lambda r: f"Cập nhật {_time(r)} ngày {_date(r)} | {label}: {r.randint(1, 99999):,}".replace(",", "."),
            lambda r: f"{_date(r)} - {_time(r)} GMT+7",
            lambda r: f"Đăng lúc {_time(r)}, {_date(r)}",
        ][date_style]
        if pick() < 0.7:
            share = rng.choice(("Chia sẻ: Facebook | Zalo | Twitter", "Gửi bài viết qua email  In trang",
                                "Chia sẻ bài viết   Lưu tin", "A- A+ In bài Gửi bạn bè"))
            self.tail.append(("line", lambda r: share))
        heading = rng.choice(RELATED)
        self.tail.append(("related", lambda r: heading if r.random() < 0.95 else heading.upper()))
        if pick() < 0.7:
            counter = rng.choice(("Đang truy cập", "Khách trực tuyến", "Lượt truy cập hôm nay"))
            self.tail.append(("line", lambda r: f"{counter}: {r.randint(1, 5000):,}".replace(",", ".")))
        street = rng.randint(1, 300)
        self.tail.append(("line", lambda r: f"Địa chỉ tòa soạn: Số {street} đường {place}, thành phố {place}"))
        phone = f"0{rng.randint(200, 299)} {rng.randint(1000, 9999)} {rng.randint(100, 999)}"
        self.tail.append(("line", lambda r: f"Đường dây nóng: {phone} - Email: toasoan@{self.domain}"))
        if pick() < 0.8:
            year = rng.randint(2005, 2015)
            self.tail.append(("line", lambda r: f"© {year} - {r.randint(2020, 2024)} {name}. Ghi rõ nguồn khi phát hành lại thông tin từ website này."))
        if pick() < 0.6:
            slogan = (f"{name} là cơ quan ngôn luận của tỉnh, tiếng nói của đảng bộ, chính quyền "
                      "và nhân dân trong tỉnh, được cấp phép hoạt động theo quy định của pháp luật.")
            self.tail.append(("line", lambda r: slogan))
        self.byline = pick() < 0.7
        # Chrome whose text changes from page to page after a fixed label.
        self.see_also = rng.choice(("Xem thêm", "Đọc thêm", "Tin liên quan")) if pick() < 0.4 else None
        # A box of related headlines inside the article.
        self.box = rng.choice(("Bài liên quan", "Có thể bạn quan tâm", "ĐỌC NHIỀU")) if pick() < 0.4 else None
        if pick() < 0.5:
            tags = rng.choice(("Từ khóa", "Tags", "Chủ đề"))
            self.tail.insert(0, ("line", lambda r: f"{tags}: " + ", ".join(r.sample(SECTIONS, 3))))

    def page(self, rng: random.Random, texts: list[str] | None = None, title: str | None = None,
             related: list[str] | None = None) -> Page:
        """One page; body paragraphs are drawn from ``texts`` when given
        (real prose), else made up; related-news items from ``related``
        (other pages' titles) when given."""
        page = Page(self.folder, self.domain)
        add = page.lines.append

        def item() -> str:
            return rng.choice(related) if related else headline(rng)

        for make in self.head:
            if rng.random() < self.presence:
                add((make(rng), True))
        add((title or headline(rng), False))
        add((self.dateline(rng), True))
        add((sentence(rng, rng.randint(18, 30)), False))  # the lead
        paragraphs = rng.randint(6, 14)
        for number in range(paragraphs):
            if rng.random() < 0.15:
                add((headline(rng), False))  # a subheading
            add((rng.choice(texts) if texts else paragraph(rng), False))
            if self.see_also and number == paragraphs // 2 and rng.random() < 0.7:
                add((f"{self.see_also}: {headline(rng)}", True))
            if self.box and number == paragraphs // 3 and rng.random() < 0.85:
                add((self.box, True))
                for _ in range(rng.randint(2, 3)):
                    add((item(), True))
        if self.byline:
            add((rng.choice(NAMES), False))
        for kind, make in self.tail:
            if rng.random() < self.presence:
                add((make(rng), True))
                if kind == "related":
                    for _ in range(rng.randint(3, 7)):
                        add((item(), True))
        if rng.random() < 0.5:  # blank lines between paragraphs, as many scrapes have
            page.lines = [item for line in page.lines for item in (line, ("", False))]
        return page


def generate(sites: int = 6, pages: int = 12, seed: int = 0, texts: list[str] | None = None,
             related_titles: bool = False, presence: float = 0.9) -> list[list[Page]]:
    """``pages`` pages for each of ``sites`` sites, as one list per site
    (``texts``: real paragraphs to build the bodies from;
    ``related_titles``: related-news items are the site's other titles, so
    a headline is chrome on some pages and a title on one; ``presence``:
    the chance of each piece of a site's furniture being on a page)."""
    rng = random.Random(seed)
    styles = [SiteStyle(rng, index, presence) for index in range(sites)]
    corpus = []
    for style in styles:
        titles = [headline(rng) for _ in range(pages)]
        corpus.append([
            style.page(rng, texts, titles[k], titles[:k] + titles[k + 1:] if related_titles else None)
            for k in range(pages)
        ])
    return corpus


def write_folders(pages: list[Page], root: Path) -> None:
    for number, page in enumerate(pages):
        folder = root / page.site
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{number:05d}.txt").write_text(page.text, encoding="utf-8")


def write_jsonl(pages: list[Page], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for page in pages:
            handle.write(json.dumps({"url": page.url, "text": page.text}, ensure_ascii=False) + "\n")


@dataclass
class Score:
    chrome_removed: int = 0  # true positives
    body_removed: int = 0  # false positives (lines)
    chrome_kept: int = 0  # false negatives
    paragraphs_lost: int = 0  # body lines of running text removed

    def add(self, other: "Score") -> None:
        for name in ("chrome_removed", "body_removed", "chrome_kept", "paragraphs_lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        found = self.chrome_removed + self.body_removed
        return self.chrome_removed / found if found else 1.0

    @property
    def recall(self) -> float:
        total = self.chrome_removed + self.chrome_kept
        return self.chrome_removed / total if total else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(page: Page, config, path: str) -> Score:
    """Clean ``page`` (as the file ``path``) and score the chrome stage's
    removals against the labels."""
    from cleaner import clean_text

    doc = clean_text(page.text, config, path=path)
    removed: set[int] = set()
    for change in doc.changes:
        if change.stage == "chrome" and change.line is not None:
            removed.update(range(change.line - 1, (change.end_line or change.line)))
    score = Score()
    for index, (line, chrome) in enumerate(page.lines):
        if not line.strip():
            continue
        gone = index in removed
        if chrome:
            score.chrome_removed += gone
            score.chrome_kept += not gone
        elif gone:
            score.body_removed += 1
            score.paragraphs_lost += len(line) >= 80
    return score
