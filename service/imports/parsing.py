"""Reading an uploaded roster in a child process with a memory and time limit.

A spreadsheet can stay under every size and ratio check and still cost a gigabyte to parse: openpyxl keeps what it
does not recognise (tens of MB of non-row elements), styles.xml can be huge, one row can be endless. The child has
an address-space limit (`resource.RLIMIT_AS`) and a deadline and returns only the rows, bounded in cells and text,
so the web process grows by the rows a real roster has, whatever the file; a file past a bound is refused (413).
Children come from a fork server started once, single-threaded, with openpyxl already imported.
"""
import multiprocessing
import resource

from ..domain.errors import FieldErrors, PayloadTooLarge
from ..domain.tables import UnpackLimits, read_table

# What a real roster needs: 50,000 rows of a dozen short cells is 600,000 cells and a few MB of text.
MAX_CELLS = 1_000_000
MAX_TEXT_CHARS = 12_000_000


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _parse_in_child(connection, filename: str, data: bytes, unpack: UnpackLimits, memory_bytes: int) -> None:
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        rows = read_table(filename, data, unpack)
        cells = sum(len(row) for row in rows)
        text = sum(len(value) for row in rows for value in row if isinstance(value, str))
        if cells > MAX_CELLS or text > MAX_TEXT_CHARS:
            connection.send(("too_large", None))
        else:
            connection.send(("rows", rows))
    except FieldErrors as exc:
        connection.send(("field_errors", exc.errors))
    except PayloadTooLarge as exc:
        connection.send(("too_large", exc.message))
    except MemoryError:
        connection.send(("too_large", None))
    finally:
        connection.close()


_context = None


def _fork_server():
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["openpyxl", "service.imports.parsing"])
    return _context


def read_table_bounded(filename: str, data: bytes, limits: UnpackLimits):
    """`read_table` in a child within `limits` (its memory and seconds): its rows, FieldErrors on `file`, or
    PayloadTooLarge (413) when the file costs more to read than a roster may."""
    context = _fork_server()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(sender, filename, data, limits, limits.parse_memory_bytes),
                            daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(limits.parse_seconds):
            raise PayloadTooLarge("file.too_complex")
        kind, value = receiver.recv()
    except EOFError:  # the child died (out of memory inside a C extension, or killed)
        raise PayloadTooLarge("file.too_complex") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "field_errors":
        raise FieldErrors(value)
    if kind == "too_large":
        raise PayloadTooLarge(value or "file.too_complex")
    return value
