"""Lossy ``?``/``\ufffd`` restoration: damage finding, candidates, the
shipped model, decoding, recording, training and the ``model`` commands."""

from __future__ import annotations

import numpy as np
import pytest

import cleaner
from typer.testing import CliRunner

from cleaner import restore as restore_pkg
from cleaner.cli import app
from cleaner.config import Config
from cleaner.document import Document
from cleaner.restore import restore_document, text_tone_style
from cleaner.restore.candidates import CP1252_LOSES, VIETNAMESE_NON_ASCII, apply_case, codepage_for
from cleaner.restore.model import SHIPPED, NgramModel, load_model
from cleaner.restore.tokens import PAD, line_ids
from cleaner.restore.train import train
from cleaner.stages import restore as restore_stage

runner = CliRunner()


def restored(text: str, **options) -> Document:
    doc = Document(text=text)
    restore_document(doc, Config(**options))
    return doc


@pytest.fixture(scope="module")
def model() -> NgramModel:
    return load_model(None)


def test_restores_a_damaged_sentence():
    doc = restored("Ng??i Vi?t Nam ?ang s?ng ? H� N?i và TP H? Chí Minh.")
    assert doc.text == "Người Việt Nam đang sống ở Hà Nội và TP Hồ Chí Minh."


def test_design_card_example_keeps_case_and_untouched_words():
    # "?" and "\ufffd" together: the "\ufffd" is a broken decode and may
    # hide a letter cp1252 has (ã), as the issue's own example says
    doc = restored("Mã xác nhận: L?y l?i m� b?o m?t")
    assert doc.text == "Mã xác nhận: Lấy lại mã bảo mật"


def test_every_restoration_is_recorded_with_confidence():
    doc = restored("Tôi ?i h?c ? tr??ng")
    lossy = [c for c in doc.changes if c.kind == "lossy"]
    assert [(c.before, c.after) for c in lossy] == [("?i", "đi"), ("h?c", "học"), ("?", "ở"),
                                                    ("tr??ng", "trường")]
    assert all(c.stage == "repair" and c.line == 1 and 0 < c.confidence <= 1 for c in lossy)


def test_all_caps_stays_all_caps():
    assert restored("NG??I VI?T NAM").text == "NGƯỜI VIỆT NAM"


@pytest.mark.parametrize("text", [
    "Tại sao? Vì trời mưa.",
    "Bạn là ai?",
    "Xem http://example.com/page?a=b&c=d ngay.",
    "Câu hỏi ?",
    "?",
    "What? Really?",
    "Giá: 100? đồng",
])
def test_real_question_marks_are_left_alone(text):
    doc = restored(text)
    assert doc.text == text
    assert not [c for c in doc.changes if c.kind == "lossy"]


def test_lone_question_mark_in_a_line_with_intact_lost_letters_is_left_alone():
    """"? Nam [không chắc chắn]" (a questioned entry of a classification,
    in a document that has other "?"): "ắ" intact shows the line never went
    through cp1252, so its lone "?" is a question mark, not a lost "Ở"."""
    doc = restored("Nhóm Việt-Katu ?Việt: 10 ngôn ngữ\n? Nam [không chắc chắn]\nM?t ng??i ? ?ây")
    assert doc.text.split("\n")[1] == "? Nam [không chắc chắn]"
    assert doc.text.split("\n")[2] == "Một người ở đây"  # with other damage in its line, restored


def test_english_documents_are_not_restored():
    """"?API" in a link is no acronym with a hidden Đ: the restorer's
    syllables and acronyms are Vietnamese. (Damaged Vietnamese, cut into
    fragments such as "a" and "i", does not read as English.)"""
    english = "See the ?API flag, the js?b code and the docs?x of the project for the details of it.\n"
    assert restored(english).text == english
    assert restored("Mã xác nhận: L?y l?i m� b?o m?t").text == "Mã xác nhận: Lấy lại mã bảo mật"


def test_vietnamese_words_spelled_like_english_ones_do_not_make_a_text_english():
    """"do", "to", "in", "a" are Vietnamese too: beside words such as
    "khó" or "nhà" they do not make a damaged text read as English."""
    text = ("Do tr?i m?a to n\ufffdn đường ng?p, xe c? đi lại khó khăn. Anh Nam ch? nhà to ở phố Huế "
            "cho biết nước lên rất nhanh, do cống bị tắc.")
    assert restored(text).text.startswith("Do trời mưa to nên đường ngập, xe cộ đi lại khó khăn.")


def test_lookalike_d_with_stroke_is_read_as_d_and_kept():
    """Some sites write "Đ" as U+00D0 "Ð" (cp1252 keeps it): "Ð?ng" is
    "Ðảng", whose "Ð" the normalize stage turns into "Đ" later."""
    assert restored("Ban ch?p hành Ð?ng b? t?nh").text == "Ban chấp hành Ðảng bộ tỉnh"


def test_a_spaced_lone_question_mark_inside_a_sentence_is_a_lost_word():
    """"Tông ? Chiêu Lăng": a "?" with spaces on both sides and words after
    it is most often a lost one-letter word ("ở"); a question that reads as
    one keeps its mark."""
    doc = restored("Ông cho an táng ???ng Thái Tông ? Chiêu L?ng. Sau ?ó, ông tuyên b?.")
    assert doc.text == "Ông cho an táng Đường Thái Tông ở Chiêu Lăng. Sau đó, ông tuyên bố."
    assert restored("T?i sao ? Vì tr?i m?a to quá.").text == "Tại sao ? Vì trời mưa to quá."


def test_final_question_mark_is_kept_when_the_word_is_complete():
    doc = restored("Anh ?i ?âu? Tôi không bi?t.")
    assert doc.text == "Anh đi đâu? Tôi không biết."


def test_unresolvable_tokens_are_kept_and_reported():
    doc = restored("Wroc?aw t?nh ?ã h?p.")
    unresolved = [c for c in doc.changes if c.kind == "lossy-unresolved"]
    assert [(c.before, c.after) for c in unresolved] == [("Wroc?aw", "Wroc?aw")]
    assert doc.text.startswith("Wroc?aw tỉnh đã họp")


@pytest.mark.parametrize("text, expected", [
    # Vietnamese acronyms keep Đ as their only letter outside ASCII
    ("H?ND t?nh ?ã h?p.", "HĐND tỉnh đã họp."),
    ("Quy ??nh s? 89-Q?/TW c?a B? Chính tr?", "Quy định số 89-QĐ/TW của Bộ Chính trị"),
    ("Ngh? quy?t 01-NQ/?UK và TCCS? gi? v?ng", "Nghị quyết 01-NQ/ĐUK và TCCSĐ giữ vững"),
    ("Th\ufffd\ufffdng tr\ufffdc H\ufffdND t\ufffdnh", "Thường trực HĐND tỉnh"),
    # a final "?" that may be a question mark stays one
    ("Có ph?i UBND? Không.", "Có phải UBND? Không."),
])
def test_acronyms_restore_a_hidden_letter_as_d_with_stroke(text, expected):
    assert restored(text).text == expected


@pytest.mark.parametrize("kind", ["cp1252", "ascii"])
def test_tokens_without_letters_of_their_own_follow_capitals_around(kind):
    # "?" (Ở) and "??" (ĐỂ) show no letter, "H?" a single capital: in a
    # heading in capitals they are in capitals too
    text = "NGƯỜI DÂN Ở HÀ NỘI ĐỂ Ý ĐẾN GIÁ XĂNG"
    doc = restored("Tôi ?i h?c.\n" + text.encode(kind, errors="replace").decode(kind))
    heading = doc.text.split("\n")[1]
    assert heading == heading.upper() and "Ở" in heading
    if kind == "cp1252":
        assert heading == text
    # acronyms and lowercase words around say nothing of the kind
    assert restored("Th??ng tr?c H?ND ? TP HCM").text == "Thường trực HĐND ở TP HCM"
    assert restored("Ng??i dân ? Hà N?i").text == "Người dân ở Hà Nội"


def test_a_title_case_heading_capitalizes_hidden_first_letters():
    # every visible word capitalized, five or more: a heading in Title Case
    doc = restored("Tôi ?i h?c.\nNâng Cao Ch?t L??ng Công Tác Xây D?ng ??ng Và ??i M?i")
    assert doc.text.split("\n")[1] == "Nâng Cao Chất Lượng Công Tác Xây Dựng Đảng Và Đổi Mới"
    # prose with a lowercase word keeps deciding word by word
    assert restored("Nâng cao ch?t l??ng công tác xây d?ng ??i ng?").text == (
        "Nâng cao chất lượng công tác xây dựng đội ngũ")


def test_two_replacement_characters_amid_lowercase_words_are_a_syllable():
    # "\ufffd\ufffd" may be a Chinese word ("chữ Hán: \ufffd\ufffd\ufffd"), but between
    # lowercase words it is a lost syllable
    doc = restored("k\ufffdt tinh các khoáng v\ufffdt \ufffd\ufffd hình thành các lo\ufffdi \ufffdá")
    assert doc.text == "kết tinh các khoáng vật để hình thành các loại đá"
    assert restored("ch\ufffd Hán: \ufffd\ufffd\ufffd, Hán Vi\ufffdt").text == "chữ Hán: \ufffd\ufffd\ufffd, Hán Việt"


def test_case_contexts_are_weighed_below_full_strength(model):
    # both neighbours' case contexts are counted from the same uses as the
    # word's habit: each adds only part of its log-odds ratio
    from cleaner.restore import model as model_module
    assert 0 < model_module.CASE_NEXT_WEIGHT <= model_module.CASE_PREVIOUS_WEIGHT < 1


def test_min_confidence_leaves_uncertain_tokens():
    doc = restored("Tôi ?i h?c", restore_min_confidence=1.0)
    assert doc.text == "Tôi ?i h?c"
    assert {c.kind for c in doc.changes} == {"lossy-unresolved"}


def test_undamaged_lines_and_words_are_never_changed():
    text = "Dòng này không hỏng.\nCòn dòng n?y thì h?ng ? gi?a.\nHết."
    doc = restored(text)
    lines = doc.text.split("\n")
    assert lines[0] == "Dòng này không hỏng." and lines[2] == "Hết."
    assert lines[1].startswith("Còn dòng ") and " thì " in lines[1]
    assert len(doc.text) == len(text)


@pytest.mark.parametrize("text", [
    "Không có gì hỏng ở đây.",
    # "?" before or inside a word that still holds letters cp1252 lacks:
    # no conversion through cp1252 (or ASCII) wrote it
    "Nhóm Việt-Katu ?Việt: 10 ngôn ngữ tại Việt Nam và Lào.",
    "Tên gọi ?Đông Sơn còn chưa chắc.",
])
def test_stage_does_not_load_the_model_without_damage(monkeypatch, text):
    def boom(*args, **kwargs):
        raise AssertionError("model loaded")

    monkeypatch.setattr(restore_pkg, "load_model", boom)
    doc = Document(text=text)
    restore_stage.run(doc, Config())
    assert doc.changes == []
    assert doc.text == text


def test_a_word_keeping_lost_letters_does_not_hide_damage_elsewhere():
    doc = Document(text="Nhóm ?Việt: m?t ng??i")
    restore_stage.run(doc, Config())
    assert doc.text == "Nhóm ?Việt: một người"
    # the word around the "?" counts, not what it is written against
    assert restore_stage.has_question_damage("ng??i/Việt")


def test_restore_lossy_off():
    doc = Document(text="L?y l?i")
    restore_stage.run(doc, Config(restore_lossy=False))
    assert doc.text == "L?y l?i"


def test_candidates_follow_the_damaging_codepage(model):
    index = restore_pkg._index(model)
    cp1252 = {s for s, _ in index.lookup("m?", "cp1252", None)}
    anything = {s for s, _ in index.lookup("m\ufffd", "cp1252", None)}
    assert "mà" not in cp1252 and "mã" not in cp1252 and "mở" in cp1252
    assert {"mà", "mã", "mở"} <= anything
    assert "à" not in CP1252_LOSES and "ạ" in CP1252_LOSES and "đ" in VIETNAMESE_NON_ASCII
    assert codepage_for("Hà N?i") == "cp1252" and codepage_for("H? N?i") == "ascii"


def test_apply_case():
    assert apply_case("L?y", "lấy", False) == "Lấy"
    assert apply_case("?ông", "đông", True) == "Đông"
    assert apply_case("?ang", "đang", False) == "đang"
    assert apply_case("NG??I", "người", False) == "NGƯỜI"


def test_tone_style_of_text():
    assert text_tone_style("hòa bình, thủy điện, hóa học") == "old"
    assert text_tone_style("hoà bình, thuỷ điện, hoá học") == "new"
    assert text_tone_style("không có gì") is None


def test_shipped_model_metadata_and_scoring(model):
    meta = model.meta
    assert meta["license"] == "CC BY-SA 4.0"
    assert meta["attribution"] == "Text from Vietnamese Wikipedia contributors, CC BY-SA 4.0"
    assert any("MIT" in notice for notice in meta["notices"])
    assert SHIPPED.stat().st_size < 60_000_000  # stored uncompressed; ~12 MB in the wheel
    rng = np.random.default_rng(0)
    history = rng.integers(6, len(model.vocab), (4, model.order - 1))
    history[0, 0] = PAD
    words = rng.integers(0, len(model.vocab), 5)
    grid = model.score_grid(history, words)
    rows = model.score(np.repeat(history, 5, axis=0), np.tile(words, 4)).reshape(4, 5)
    assert np.allclose(grid, rows)


def _sentence_score(model: NgramModel, text: str) -> float:
    ids = line_ids(text, model.vocab)
    width = model.order - 1
    history = [([PAD] * width + ids[:i])[-width:] for i in range(1, len(ids))]
    return float(model.score(np.array(history), np.array(ids[1:])).sum())


def test_model_prefers_real_text(model):
    assert _sentence_score(model, "việt nam là một quốc gia") > _sentence_score(
        model, "việt nam lá một quốc gia")


CORPUS = [
    "Tôi đi học ở trường mỗi ngày.",
    "Hôm nay tôi đi chợ với mẹ.",
    "Người Việt Nam sống ở Hà Nội.",
    "Trường học ở gần nhà tôi.",
] * 5


def test_train_save_load_round_trip(tmp_path):
    model = train(CORPUS, order=3, lexicon_lines=["nhà trường"], license="CC0", attribution="test")
    path = tmp_path / "tiny.npz"
    model.save(path)
    loaded = NgramModel.load(path)
    assert loaded.meta["order"] == 3 and loaded.meta["license"] == "CC0"
    assert loaded.vocab.words == model.vocab.words
    assert np.array_equal(loaded.keys, model.keys)
    assert _sentence_score(loaded, "tôi đi học") > _sentence_score(loaded, "học đi tôi")
    doc = restored("Tôi ?i h?c ? tr??ng.", model=str(path))
    assert doc.text == "Tôi đi học ở trường."


def test_cli_model_train_info_and_clean(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    model_file = tmp_path / "my.npz"
    result = runner.invoke(app, ["model", "train", str(corpus), "-o", str(model_file),
                                 "--order", "3", "--license", "CC0"])
    assert result.exit_code == 0, result.output
    assert model_file.is_file()
    info = runner.invoke(app, ["model", "info", "--model", str(model_file)])
    assert info.exit_code == 0
    assert "order:" in info.stdout and "CC0" in info.stdout and "vocabulary:" in info.stdout
    damaged = tmp_path / "in.txt"
    damaged.write_text("Tôi ?i h?c ? tr??ng.\n", encoding="utf-8")
    cleaned = runner.invoke(app, ["clean", str(damaged), "--model", str(model_file)])
    assert cleaned.exit_code == 0
    assert cleaned.stdout == "Tôi đi học ở trường.\n"


def test_cli_model_info_shipped_and_bad_files(tmp_path):
    info = runner.invoke(app, ["model", "info"])
    assert info.exit_code == 0 and "CC BY-SA 4.0" in info.stdout
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a model")
    assert runner.invoke(app, ["model", "info", "--model", str(bad)]).exit_code == 2
    assert runner.invoke(app, ["model", "train", str(tmp_path / "missing.txt"), "-o",
                               str(tmp_path / "x.npz")]).exit_code == 2
    damaged = tmp_path / "in.txt"
    damaged.write_text("Tôi ?i h?c\n", encoding="utf-8")
    assert runner.invoke(app, ["clean", str(damaged), "--model", str(bad)]).exit_code == 2
    # an output that cannot be written, and a corpus without words: one line, exit 2, no file
    for corpus, output, message in ((damaged, tmp_path / "no" / "x.npz", "no such folder"),
                                    (damaged, tmp_path, "is a folder"),
                                    (tmp_path / "empty.txt", tmp_path / "e.npz", "no words")):
        corpus.touch()
        result = runner.invoke(app, ["model", "train", str(corpus), "-o", str(output)])
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert not (tmp_path / "e.npz").exists() and not list(tmp_path.glob(".*.partial"))


def test_restore_options_from_config_files():
    from cleaner.config import Config as C
    from cleaner.errors import ConfigError

    config = C.from_mapping({"restore-min-confidence": 0.5, "model": "my.npz", "restore-lossy": False})
    assert (config.restore_min_confidence, config.model, config.restore_lossy) == (0.5, "my.npz", False)
    with pytest.raises(ConfigError):
        C.from_mapping({"restore-min-confidence": 2})


def test_lone_replacement_character_among_intact_words_is_a_lost_symbol():
    assert restored("Hà Nội \ufffd Việt Nam").text == "Hà Nội \ufffd Việt Nam"
    assert restored("Tôi s?ng \ufffd Hà N?i").text == "Tôi sống ở Hà Nội"


@pytest.mark.parametrize("text", [
    "Anh đi đâu vậy? Em cho? Tại sao ? Vì sao?\n",
    "Bạn có khỏe không? Thế à? Ai ? Tôi.\n",
])
def test_question_marks_in_clean_text_untouched(text):
    """Without damage inside any word, every "?" is a real question mark."""
    assert cleaner.clean_text(text).text == text


def test_batched_decoding_matches_line_by_line(model):
    from cleaner.restore import _analyze
    from cleaner.restore.decoder import best_path, best_paths

    lines = ["Ng??i Vi?t Nam ?ang s?ng ? H� N?i.", "Tôi ?i h?c ? tr??ng m?i ngày.",
             "Hôm nay tr?i m?a to, chúng tôi ? nhà ??c sách và xem phim cùng nhau."]
    items = [_analyze(line, model, "cp1252", "old") for line in lines]
    together = best_paths(model, [item.positions for item in items])
    assert together == [best_path(model, item.positions) for item in items]


def test_visible_capital_is_evidence_for_the_choice():
    # "M?" capitalized inside a sentence: a name-like syllable (Mỹ), not "mở"
    assert restored("S? l??ng công nhân M? b? sa th?i").text == "Số lượng công nhân Mỹ bị sa thải"


def test_dash_between_numbers_in_ascii_damage():
    doc = restored("Viet Nam th?ng 2?1 tr??c Lao v?o n?m 1990?1995.")
    assert "2\u20131" in doc.text and "1990\u20131995" in doc.text


def test_backward_model_round_trip(tmp_path):
    model = train(CORPUS, order=3, license="CC0", attribution="test", backward=True)
    path = tmp_path / "bi.npz"
    model.save(path)
    loaded = NgramModel.load(path)
    assert loaded.logp_b is not None and loaded.meta["directions"] == ["forward", "backward"]
    ids = line_ids("tôi đi học ở trường", loaded.vocab)
    history = np.array([([PAD] * 2 + ids[:i])[-2:] for i in range(1, len(ids))])
    words = np.array(ids[1:])
    forward = loaded.score(history, words).sum()
    combined = loaded.step_score(history, words).sum()
    # both directions estimate the same sentence: the average stays close
    assert abs(combined - forward) < 0.5 * abs(forward)
    doc = restored("Tôi ?i h?c ? tr??ng.", model=str(path))
    assert doc.text == "Tôi đi học ở trường."


def test_word_bonus_raises_ngrams_that_spell_a_listed_word():
    plain = train(CORPUS, order=3, lexicon_lines=["nhà trường"], license="CC0", attribution="test")
    boosted = train(CORPUS, order=3, lexicon_lines=["nhà trường"], license="CC0", attribution="test",
                    word_bonus=0.4)
    assert boosted.meta["word_bonus"] == 0.4
    word = _sentence_score(boosted, "nhà trường") - _sentence_score(plain, "nhà trường")
    other = _sentence_score(boosted, "đi học") - _sentence_score(plain, "đi học")
    assert word == pytest.approx(0.4, abs=0.05) and other == pytest.approx(0.0)


def test_topic_vectors_round_trip(tmp_path):
    model = train(CORPUS, order=3, license="CC0", attribution="test", topic_window=3, topic_dims=4)
    assert model.topic.shape == model.topic_ctx.shape == (len(model.vocab), 4)
    path = tmp_path / "topic.npz"
    model.save(path)
    loaded = NgramModel.load(path)
    assert np.allclose(loaded.topic, model.topic) and np.allclose(loaded.topic_ctx, model.topic_ctx)
    assert loaded.meta["topic"] == {"window": 3, "dims": 4}
    doc = restored("Tôi ?i h?c ? tr??ng.", model=str(path))
    assert doc.text == "Tôi đi học ở trường."


def test_shipped_topic_vectors_follow_the_subject(model):
    vocab = model.vocab

    def best(context: str, options: list[str]) -> str:
        mean = model.topic_ctx[[vocab.word_id(w) for w in context.split()]].mean(axis=0)
        return max(options, key=lambda w: float(model.topic[vocab.word_id(w)] @ mean))

    assert best("cầu thủ ghi bàn trận bóng", ["đá", "đà", "đa", "đả"]) == "đá"
    assert best("quân đội chiến tranh", ["tướng", "tượng", "tưởng"]) == "tướng"


def test_topic_context_is_only_what_the_damage_could_not_hit(model):
    from cleaner.restore import _analyze, _topic_bonus

    # the restored "Mỹ" must not become context when the text is cleaned again
    damaged = _analyze("B?n ng??i M? ?ã ?i", model, "cp1252", "old")
    again = _analyze("B?n ng??i Mỹ ?ã ?i", model, "cp1252", "old")
    _topic_bonus(model, [damaged], "cp1252")
    _topic_bonus(model, [again], "cp1252")
    for p in again.topic:
        assert np.allclose(again.topic[p], damaged.topic[p])


def test_cleaning_restored_text_again_changes_nothing():
    text = ("Tr?n ??u gi?a hai ??i bóng di?n ra t?i sân v?n ??ng qu?c gia, c?u th? ghi bàn ? phút cu?i.\n"
            "Quân ??i hai bên giao chi?n ? biên gi?i, nhi?u t??ng lãnh b? b?t.")
    once = cleaner.clean_text(text).text
    assert cleaner.clean_text(once).text == once


def test_url_query_is_no_reason_to_load_the_model(monkeypatch):
    import cleaner.restore as restore

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(restore, "load_model", refuse)
    text = "Xem video tại https://www.example.com/videos/search?q=adulttermgoes nhé. Tại sao?\n"
    assert cleaner.clean_text(text).text == text


def test_model_keys_decoded_in_blocks_are_the_stored_ones(monkeypatch):
    """The shipped model's keys, decoded from the file a block at a time
    (a lower memory peak), equal the member read whole."""
    import numpy as np
    from cleaner.restore import model as module
    monkeypatch.setattr(module, "_KEYS_BLOCK", 100_003)  # blocks that do not divide the count
    with np.load(module.SHIPPED) as data:
        whole = module._keys(data["keys"])
        blocks = module._stored_keys(module.SHIPPED, data)
    assert blocks is not None and np.array_equal(whole, blocks)


def test_dense_bigram_table_waits_for_enough_scores():
    from cleaner.restore import model as module
    model = module.load_model()
    fresh = module.NgramModel.__new__(module.NgramModel)
    fresh.__dict__.update({k: v for k, v in model.__dict__.items() if k not in ("_dense", "_scored")})
    assert fresh._bigram_table(10) is None
    assert fresh._bigram_table(module.DENSE_AFTER) is not None


def test_restoring_again_changes_nothing_after_a_run_of_lone_marks():
    """What is restored is context for what is left ("? ? ? ?": the last
    is a question mark after three marks, a letter after three words): the
    stage goes on until nothing more changes, so a second run finds
    nothing to do."""
    once = cleaner.clean_text("U0?q ? ? ? ?")
    assert cleaner.clean_text(once.text).text == once.text
    assert [c.kind for c in once.changes].count("lossy-unresolved") <= 1  # stated once, not per round


def test_a_line_separator_made_by_a_mojibake_repair_is_a_line_for_the_rules():
    """ftfy turns "â€¨" into U+2028: a line end before the rules run, so the
    second run sees the same lines."""
    once = cleaner.clean_text("Quáº\xadn Quáº\xadn â€¨ â€” â€”")
    assert "\u2028" not in once.text
    assert cleaner.clean_text(once.text).text == once.text
