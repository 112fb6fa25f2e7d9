"""Checks score --html's page as chromium parsed it (its --dump-dom output).

Usage: html_check.py DOM OUT_DIR IMAGES HEADING...

Every <img> must be a base64 PNG data: URI (written to OUT_DIR as image_N.png for
png_check.py), there must be exactly IMAGES of them, no element that loads or runs
anything (script, link, iframe, object, embed), and each HEADING must be the text of
an <h1>-<h3>.
"""
import base64
import binascii
import html.parser
import os
import sys

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DATA_PREFIX = "data:image/png;base64,"
FORBIDDEN = {"script", "link", "iframe", "object", "embed"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []
        self.tables = 0
        self.headings = []
        self.forbidden = []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))
        elif tag == "table":
            self.tables += 1
        elif tag in ("h1", "h2", "h3"):
            self._heading = ""
        elif tag in FORBIDDEN:
            self.forbidden.append(tag)

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(self._heading.strip())
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading += data


def main():
    dom_path, out_dir, expected_images = sys.argv[1], sys.argv[2], int(sys.argv[3])
    page = Page()
    with open(dom_path, encoding="utf-8") as f:
        page.feed(f.read())
    if page.forbidden:
        sys.exit(f"FAIL: the page has {page.forbidden} elements")
    if len(page.images) != expected_images:
        sys.exit(f"FAIL: {len(page.images)} images, not {expected_images}")
    os.makedirs(out_dir, exist_ok=True)
    for n, src in enumerate(page.images):
        if not src.startswith(DATA_PREFIX):
            sys.exit(f"FAIL: image {n} is not a PNG data: URI: {src[:80]}")
        try:
            png = base64.b64decode(src[len(DATA_PREFIX):], validate=True)
        except binascii.Error as error:
            sys.exit(f"FAIL: image {n}'s base64 does not decode: {error}")
        if not png.startswith(PNG_SIGNATURE):
            sys.exit(f"FAIL: image {n} is not a PNG")
        with open(os.path.join(out_dir, f"image_{n}.png"), "wb") as f:
            f.write(png)
    for heading in sys.argv[4:]:
        if heading not in page.headings:
            sys.exit(f"FAIL: no heading '{heading}' among {page.headings}")
    print(f"{len(page.images)} images, {page.tables} tables, {len(page.headings)} headings OK")


if __name__ == "__main__":
    main()
