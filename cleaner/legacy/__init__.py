"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI-Windows, VISCII, VPS,
Windows-1258 and VIQR. Importing this package registers the codecs, so
``data.decode("tcvn3")`` works (names and aliases in ``codec.ALIASES``)."""

from .codec import ALIASES, BYTE_ENCODINGS, decode, encode, register
from .detect import counts, detect_bytes, repair_text

register()

__all__ = ["ALIASES", "BYTE_ENCODINGS", "counts", "decode", "detect_bytes", "encode", "register", "repair_text"]
