"""Text that people type: what never belongs in a name, a note or a file name."""
import re
import unicodedata

_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|]')


def drop_invisible(text: str) -> str:
    """`text` without format characters (Unicode category Cf): bidi overrides and isolates make a name display
    reversed ("txt.exe" shown as "exe.txt"), zero-width and tag characters (U+E0000–E007F), U+061C and the like make
    two equal-looking names differ. None is ever typed on purpose."""
    if text.isprintable():  # no Cf character is printable: most text is returned at once
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def file_name_part(text: str, limit: int = 40) -> str:
    """A piece of a file name built from typed text: no separators, no `..`, no control or invisible
    characters, so that an archive entry can never leave the folder it is unpacked into."""
    cleaned = "".join(c for c in drop_invisible(unicodedata.normalize("NFC", text or ""))
                      if unicodedata.category(c)[0] != "C")
    cleaned = _UNSAFE_IN_FILE_NAME.sub("_", cleaned).replace("..", "_").strip(" .")
    return cleaned[:limit] or "_"
