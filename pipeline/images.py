"""Pictures: the one reader of ``sources/images/``, and the one allow-list an SVG must pass.

Editors and pages on the web are untrusted (SECURITY.md), and a picture is published byte for
byte below ``output/images/``: an SVG opened on its own is a document that runs script. So a
picture is published only when

- it is a regular file inside ``sources/images/``, reached without a symbolic link on the way
  (each folder and the file are opened with ``O_NOFOLLOW``, one below the other, so a link
  swapped in between two looks is refused too), and at most ``MAX_BYTES``;
- its suffix is a known one and its bytes are of that format (the first bytes of a PNG, JPEG,
  GIF or WebP file; an SVG is XML whose root is ``svg`` in the SVG namespace);
- an SVG holds only drawing: the elements and attributes of the allow-list below, references
  only to its own parts (``#id``), no DOCTYPE, entity or processing instruction.

``check_svg`` refuses an editor's SVG at the line of the first thing not allowed; ``sanitize_svg``
removes the same things from a fetched one (ingest) and says what it removed. Both walk the tree
with ``_refusals``: there is one allow-list.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from pipeline.errors import SourceError

MAX_BYTES = 5 * 1024 * 1024  # a few MB: more than any figure on a health page; a bigger file is a mistake
# The format each suffix promises, and the bytes a file of that format begins with.
SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WebP", ".svg": "SVG"}
_MAGIC = {
    "PNG": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "JPEG": lambda head: head.startswith(b"\xff\xd8\xff"),
    "GIF": lambda head: head.startswith((b"GIF87a", b"GIF89a")),
    "WebP": lambda head: len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP",
}
IMAGES = "images"  # the folder below sources/ that pictures live in

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Drawing, text and paint servers. Left out on purpose: script, style (a style sheet would need a
# CSS checker as strict as this one), a (a link), image and feImage (they load other files),
# foreignObject (HTML inside), animate/set/animateMotion/animateTransform (they can rewrite an
# href to javascript:), switch, font and font-face (remote fonts), metadata (Inkscape's RDF: other
# namespaces, whose elements are not checked), iframe, embed, object, and anything not in SVG's
# namespace (an XHTML <script> runs inside an SVG too).
ELEMENTS = frozenset("""
    svg g defs symbol use path rect circle ellipse line polyline polygon text tspan textPath title desc
    linearGradient radialGradient stop clipPath mask pattern marker
    filter feBlend feColorMatrix feComponentTransfer feFuncR feFuncG feFuncB feFuncA feComposite
    feConvolveMatrix feDiffuseLighting feSpecularLighting feDistantLight fePointLight feSpotLight
    feDisplacementMap feDropShadow feFlood feGaussianBlur feMerge feMergeNode feMorphology feOffset
    feTile feTurbulence
""".split())
# Presentation properties: allowed as attributes and as declarations in a style attribute.
PROPERTIES = frozenset("""
    fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin stroke-miterlimit
    stroke-dasharray stroke-dashoffset stroke-opacity opacity color display visibility clip-path
    clip-rule mask filter marker-start marker-mid marker-end stop-color stop-opacity flood-color
    flood-opacity lighting-color font font-family font-size font-size-adjust font-weight font-style
    font-variant font-stretch text-anchor dominant-baseline alignment-baseline baseline-shift
    letter-spacing word-spacing text-decoration writing-mode direction unicode-bidi shape-rendering
    text-rendering image-rendering color-interpolation color-interpolation-filters color-rendering
    vector-effect paint-order overflow isolation mix-blend-mode transform transform-origin
    transform-box enable-background
""".split())
# Geometry, structure and filter parameters; and a few that only help a screen reader.
ATTRIBUTES = PROPERTIES | frozenset("""
    id class lang version baseProfile width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d points
    pathLength viewBox preserveAspectRatio gradientTransform gradientUnits patternTransform
    patternUnits patternContentUnits spreadMethod offset clipPathUnits maskUnits maskContentUnits
    markerUnits markerWidth markerHeight refX refY orient dx dy rotate textLength lengthAdjust
    startOffset method spacing side filterUnits primitiveUnits in in2 result stdDeviation mode
    operator k1 k2 k3 k4 type values tableValues slope intercept amplitude exponent scale
    xChannelSelector yChannelSelector radius edgeMode kernelMatrix order divisor bias targetX
    targetY preserveAlpha baseFrequency numOctaves seed stitchTiles azimuth elevation
    specularExponent specularConstant diffuseConstant surfaceScale kernelUnitLength pointsAtX
    pointsAtY pointsAtZ limitingConeAngle style role aria-label aria-hidden aria-labelledby
    aria-describedby focusable
""".split()) | {f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang"}
_ALLOWED_TAGS = frozenset(f"{{{SVG_NS}}}{name}" for name in ELEMENTS)
_HREFS = (f"{{{XLINK_NS}}}href", "href")
_DATA = re.compile(r"data-[a-z0-9_.-]+")  # inert: no script in the picture reads them (Illustrator writes data-name)
_FRAGMENT = re.compile(r"#[A-Za-z_][A-Za-z0-9_.:-]*")
# CSS functions a value may call; url() only as url(#id), a part of the picture itself.
_FUNCTIONS = frozenset("rgb rgba hsl hsla matrix translate translatex translatey scale scalex scaley "
                       "rotate skewx skewy".split())
_CALL = re.compile(r"([A-Za-z_-][A-Za-z0-9_-]*)?\s*\(")
_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][A-Za-z0-9_.:-]*\1\s*\)", re.IGNORECASE)
_PLAIN_DOCTYPE = re.compile(rb"<!DOCTYPE\s[^\[<>]*>")  # one with no internal subset: no entities
# A comment cannot span another's end: "<!--.*?-->" repeated backtracks through every grouping.
_WEB_PAGE = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--(?:[^-]|-(?!->))*-->\s*)*<(?:!doctype\s+html|html)[\s>]",
                       re.IGNORECASE)
_DECLARATION = re.compile(r"\s*([A-Za-z-]+)\s*:(.*)", re.DOTALL)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)", re.IGNORECASE)
_WHY = {  # why an element is not allowed, for the editor
    "script": "it runs script", "foreignObject": "it embeds a web page", "a": "it is a link",
    "image": "it loads another file", "feImage": "it loads another file", "style": "a style sheet is not checked",
    "iframe": "it embeds a web page", "embed": "it embeds another file", "object": "it embeds another file",
    "animate": "an animation can rewrite a link", "set": "an animation can rewrite a link",
    "animateMotion": "an animation can rewrite a link", "animateTransform": "an animation can rewrite a link",
    "metadata": "its contents are not checked", "font-face": "it loads another file",
}


class PictureError(SourceError):
    """A picture that cannot be published: where it is, what it is, or what it holds."""


class SvgRefused(Exception):
    """An SVG that cannot be made safe (ingest): the reason and the line."""

    def __init__(self, reason: str, line: int | None):
        super().__init__(reason)
        self.reason, self.line = reason, line


@dataclass(frozen=True)
class _Refusal:
    """One thing in an SVG that the allow-list does not allow."""

    node: etree._Element  # the element, comment-like node, or the element the attribute is on
    attribute: str | None  # the attribute's name (Clark notation), or None for the node itself
    reason: str  # what it is and why it is not allowed

    @property
    def line(self) -> int | None:
        return self.node.sourceline


# ---------------------------------------------------------------- reading sources/images/

def picture_problem(src: str) -> str | None:
    """Why a figure's ``src`` cannot name a picture in sources/images/, or None."""
    path = PurePosixPath(src)
    if (not src or src.startswith("/") or "\\" in src or ":" in src or str(path) != src
            or ".." in path.parts or path.parts[0] != IMAGES or len(path.parts) < 2):
        return "must be a file in sources/images/, written images/file.svg"
    if path.suffix not in SUFFIXES:
        return ("is not a picture file; name a .png, .jpg, .jpeg, .gif, .webp or .svg file "
                "(a suffix in lower case) that holds that kind of picture")
    return None


def read_picture(root: Path, src: str, path: str, line: int | None) -> bytes:
    """The bytes of the picture ``src`` (``images/x.svg``) that ``path:line`` shows, checked."""
    with Pictures(root) as pictures:
        return pictures.read(src, path, line)


class Pictures:
    """Reads and checks the pictures below ``root/sources``, keeping the folders it opened for
    the next picture (a thousand figures: a thousand opens fewer of each folder).

    Every folder and the file are opened with ``O_NOFOLLOW``, each relative to the one above:
    no symbolic link anywhere on the way, even one swapped in while we look (comparing real
    paths instead would leave a moment between the look and the read). Every refusal names the
    figure's ``path:line``, except a problem inside an SVG, which names the picture's own
    (``sources/images/x.svg:3``).
    """

    def __init__(self, root: Path):
        self.root = root
        self._folders: dict[tuple[str, ...], int] = {}  # folders below sources/ (() is sources/) -> open fd
        self._found: dict[str, PictureError | None] = {}  # src -> what ``problems`` found

    def __enter__(self) -> Pictures:
        return self

    def __exit__(self, *exc_info) -> None:
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()

    def read(self, src: str, path: str, line: int | None) -> bytes:
        """The whole picture, checked: what publish copies."""
        data = self._read(src, path, line, MAX_BYTES + 1)  # a file grown since fstat is refused by its size
        check_picture(src, data, path, line)
        return data

    def problems(self, src: str, path: str, line: int | None) -> list[SourceError]:
        """What ``read`` would refuse, reading of a PNG, JPEG, GIF or WebP only its first bytes.

        A picture is looked at once: shown again, a problem with it is reported at this figure
        too, but one inside it (at the picture's own line) only once.
        """
        if src not in self._found:
            try:
                kind = SUFFIXES.get(PurePosixPath(src).suffix)
                check_picture(src, self._read(src, path, line, MAX_BYTES + 1 if kind == "SVG" else 256), path, line)
                self._found[src] = None
            except PictureError as exc:
                self._found[src] = exc
                return [exc]
            return []
        found = self._found[src]
        if found is None or found.path == f"sources/{src}":
            return []
        return [PictureError(found.message, path, line)]

    def _read(self, src: str, path: str, line: int | None, size: int) -> bytes:
        problem = picture_problem(src)
        if problem:
            raise PictureError(f"image '{src}' {problem}", path, line)
        parts = PurePosixPath(src).parts
        fd = None
        try:
            # O_NONBLOCK: a FIFO must not hold the build; it is refused below as not a regular file.
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=self._folder(parts[:-1]))
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise PictureError(f"image '{src}' is not a regular file; put the picture itself in sources/{src}",
                                   path, line)
            if info.st_size > MAX_BYTES:
                raise PictureError(f"image '{src}' is {info.st_size / 2**20:.1f} MB; a picture may be at most "
                                   f"{MAX_BYTES // 2**20} MB: make it smaller", path, line)
            with os.fdopen(fd, "rb") as file:
                fd = None
                return file.read(size)
        except FileNotFoundError:
            raise PictureError(f"image '{src}' not found; put it in sources/{src}", path, line) from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                raise PictureError(f"image '{src}' is or lies in a symbolic link; only files inside sources/images/ "
                                   "are published: copy the picture there instead of linking it", path, line) from None
            raise PictureError(f"image '{src}' cannot be read: {exc.strerror}", path, line) from None
        finally:
            if fd is not None:
                os.close(fd)

    def _folder(self, parts: tuple[str, ...]) -> int:
        """The open folder ``sources/<parts>``, each step opened without following a link."""
        if parts not in self._folders:
            if parts:
                fd = os.open(parts[-1], os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=self._folder(parts[:-1]))
            else:
                fd = os.open(self.root / "sources", os.O_RDONLY | os.O_DIRECTORY)
            self._folders[parts] = fd
        return self._folders[parts]


_CHECKED: set[bytes] = set()  # digests of SVGs found clean in this process: publish reads each one twice


def check_picture(src: str, data: bytes, path: str, line: int | None) -> None:
    """Refuse a picture whose bytes are not of the format its suffix names, or an SVG that
    the allow-list refuses."""
    kind = SUFFIXES[PurePosixPath(src).suffix]
    problem = format_problem(kind, data)
    if problem:
        raise PictureError(f"image '{src}' {problem}; save it as a real {kind} file or give it the suffix "
                           "of what it is", path, line)
    if kind != "SVG":
        return
    digest = hashlib.blake2b(data, digest_size=16).digest()
    if digest not in _CHECKED:
        check_svg(data, f"sources/{src}")
        if len(_CHECKED) < 100_000:
            _CHECKED.add(digest)


def format_problem(kind: str, data: bytes) -> str | None:
    """Why ``data`` is not a picture of ``kind`` (one of ``SUFFIXES``'s values) by its first
    bytes or size, or None; an SVG's inside is ``check_svg``'s."""
    if len(data) > MAX_BYTES:
        return f"is larger than {MAX_BYTES // 2**20} MB"
    if kind != "SVG" and not _MAGIC[kind](data[:12]):
        return f"is not a {kind} picture: its bytes {_looks_like(data)}"
    return None


def _looks_like(data: bytes) -> str:
    found = next((kind for kind, matches in _MAGIC.items() if matches(data[:12])), None)
    if found:
        return f"are a {found} picture's"
    head = data[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<script")) or b"<html" in head:
        return "are a web page's"
    if head.startswith((b"<?xml", b"<svg")):
        return "are an SVG's"
    return "are no known picture's" if data else "are none (the file is empty)"


# ---------------------------------------------------------------- SVG: one allow-list

def check_svg(data: bytes, path: str) -> None:
    """Refuse an SVG at the line of the first thing the allow-list does not allow."""
    try:
        root = _parse(data)
        refusal = next(_refusals(root), None)
    except SvgRefused as exc:
        raise PictureError(exc.reason, path, exc.line) from None
    if refusal is not None:
        what = f"the attribute '{_name(refusal.attribute)}' on <{_name(refusal.node.tag)}>" if refusal.attribute \
            else _node_name(refusal.node)
        raise PictureError(f"{what} is not allowed in a published picture: {refusal.reason}; remove it "
                           "(a drawing program's 'plain' or 'optimized' SVG export leaves it out)", path, refusal.line)


def sanitize_svg(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The SVG with everything the allow-list does not allow removed, and what was removed.

    Raises ``SvgRefused`` when the bytes are not an SVG, or when no drawing is left.
    """
    removed: list[str] = []
    doctype = _PLAIN_DOCTYPE.search(data)
    if doctype:  # common on the web and harmless without entities: dropped, as the tree is written without it
        line = data.count(b"\n", 0, doctype.start()) + 1
        data = data[: doctype.start()] + b"\n" * data.count(b"\n", *doctype.span()) + data[doctype.end():]
        removed.append(f"the DOCTYPE (line {line})")
    root = _parse(data)
    for refusal in list(_refusals(root)):
        where = f" (line {refusal.line})" if refusal.line else ""
        if refusal.attribute is not None:
            removed.append(f"the attribute '{_name(refusal.attribute)}' on <{_name(refusal.node.tag)}>{where}")
            del refusal.node.attrib[refusal.attribute]
        else:
            removed.append(f"{_node_name(refusal.node)}{where}")
            _remove(refusal.node)
    if not any(isinstance(child.tag, str) for child in root):
        raise SvgRefused("nothing is left of the picture once what may not be published is removed", root.sourceline)
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="utf-8"), tuple(removed)


def _parse(data: bytes) -> etree._Element:
    """The SVG's root element: UTF-8 XML without a DOCTYPE, its root ``svg`` in SVG's namespace."""
    if len(data) > MAX_BYTES:
        raise SvgRefused(f"the picture is larger than {MAX_BYTES // 2**20} MB; make it smaller", 1)
    if _WEB_PAGE.match(data[:4096]):
        raise SvgRefused("not an SVG picture: it is a web page (HTML); a page may not be published as a picture", 1)
    # A DOCTYPE is refused before parsing: its entities could expand ("billion laughs").
    declaration = re.search(rb"<!(DOCTYPE|ENTITY)", data)
    if declaration:
        raise SvgRefused("a DOCTYPE or entity declaration is not allowed in a published picture; delete it "
                         "(a picture needs none)", data.count(b"\n", 0, declaration.start()) + 1)
    # One reading of the bytes, ours and a browser's: UTF-8 only (another declared encoding could
    # be decoded differently by the two).
    encoding = _XML_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii"):
        raise SvgRefused(f"the picture declares the encoding {encoding.group(1).decode('ascii', 'replace')!r}; "
                         "save it as UTF-8", 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SvgRefused("not valid UTF-8; save it as UTF-8", data.count(b"\n", 0, exc.start) + 1) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_blank_text=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise SvgRefused(f"not an SVG picture: not well-formed XML ({exc.msg}); save it again from a drawing "
                         "program", exc.lineno) from None
    if root is None or root.tag != f"{{{SVG_NS}}}svg":
        tag = _name(root.tag) if root is not None and isinstance(root.tag, str) else "none"
        raise SvgRefused(f"not an SVG picture: its root element is <{tag}>, not <svg xmlns=\"{SVG_NS}\">; "
                         "save it as SVG, or give the file the suffix of what it is",
                         root.sourceline if root is not None else 1)
    if root.getroottree().docinfo.internalDTD is not None:
        raise SvgRefused("a DOCTYPE is not allowed in a published picture; delete it", 1)
    return root


def _refusals(root: etree._Element) -> Iterator[_Refusal]:
    """Everything below ``root`` (and beside it) that the allow-list does not allow, in document
    order; the inside of a refused element is not looked at (it goes with the element)."""
    for sibling in (*reversed(list(root.itersiblings(preceding=True))), *root.itersiblings()):
        if not isinstance(sibling, etree._Comment):
            yield _Refusal(sibling, None, "a processing instruction (a style sheet) is not drawing")
    skipped: set[etree._Element] = set()  # refused elements and their insides
    for node in root.iter():  # document order: a parent comes before its children
        if node.getparent() in skipped:
            skipped.add(node)
            continue
        reason = _node_problem(node)
        if reason:
            skipped.add(node)
            yield _Refusal(node, None, reason)
            continue
        for name, value in node.items():
            reason = _attribute_problem(name, value)
            if reason:
                yield _Refusal(node, name, reason)


def _node_problem(node: etree._Element) -> str | None:
    if node.tag in _ALLOWED_TAGS or isinstance(node, etree._Comment):
        return None
    if isinstance(node, etree._ProcessingInstruction):
        return "a processing instruction (a style sheet) is not drawing"
    if isinstance(node, etree._Entity):
        return "an entity reference is not drawing"
    if not isinstance(node.tag, str):
        return "not drawing"
    namespace, _, local = node.tag[1:].partition("}") if node.tag.startswith("{") else ("", "", node.tag)
    if namespace != SVG_NS:
        return "an element outside SVG's namespace is not checked (an XHTML <script> would run)"
    if local not in ELEMENTS:
        return _WHY.get(local, "it is not a drawing element")
    return None


def _attribute_problem(name: str, value: str) -> str | None:
    if name in ATTRIBUTES:  # most of them: none is an event handler, an href or data-
        return _style_problem(value) if name == "style" else _value_problem(value)
    if name in _HREFS:
        return None if _FRAGMENT.fullmatch(value.strip()) else "it points outside the picture (only '#id' is allowed)"
    local = name.rpartition("}")[2]
    if local.lower().startswith("on"):
        return "an event handler runs script"
    if _DATA.fullmatch(name):
        return None
    return "it is not a drawing attribute"


def _style_problem(style: str) -> str | None:
    if re.search(r"[@{}<]|/\*", style):
        return "a style may hold only 'property: value' declarations"
    for declaration in style.split(";"):
        if not declaration.strip():
            continue
        match = _DECLARATION.fullmatch(declaration)
        if not match or match.group(1).lower() not in PROPERTIES:
            return f"the style declaration {declaration.strip()[:40]!r} is not a drawing property"
        problem = _value_problem(match.group(2))
        if problem:
            return problem
    return None


def _value_problem(value: str) -> str | None:
    """Refuse what a CSS value could load or hide: a url() that is not url(#id), any function not
    known to be harmless, and escapes (``u\\72l(`` is a url too)."""
    if "(" not in value and "\\" not in value:  # numbers, colours, path data: nearly every value
        return None
    if "\\" in value:
        return "an escape in a value is not allowed"
    rest = _LOCAL_URL.sub(" ", value)
    for call in _CALL.finditer(rest):
        function = (call.group(1) or "").lower()
        if function not in _FUNCTIONS:
            return ("it loads another file (only url(#id) is allowed)" if function == "url"
                    else f"the function '{function or '('}' is not allowed in a value")
    return None


def _remove(node: etree._Element) -> None:
    """Take ``node`` out of the tree, keeping the text that followed it."""
    parent = node.getparent()
    if parent is None:  # beside the root: not serialized
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _name(clark: str) -> str:
    namespace, _, local = clark[1:].partition("}") if clark.startswith("{") else ("", "", clark)
    prefix = {XLINK_NS: "xlink:", XML_NS: "xml:", SVG_NS: ""}.get(namespace, f"{{{namespace}}}" if namespace else "")
    return prefix + local


def _node_name(node: etree._Element) -> str:
    if isinstance(node, etree._ProcessingInstruction):
        return f"the processing instruction <?{node.target}?>"
    if isinstance(node, etree._Entity):
        return f"the entity reference {node.text}"
    return f"<{_name(node.tag)}>" if isinstance(node.tag, str) else "a node"
