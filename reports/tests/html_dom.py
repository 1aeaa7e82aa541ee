"""The DOM Chromium dumped (--dump-dom) of a 9ml HTML page, as the page tests
read it: per table its class, parent table and rows (class, cell texts), and
the SVG texts. Used by html_chromium.sh and diff_chromium.sh."""
from html.parser import HTMLParser


class Dom(HTMLParser):
    """Collects, per table class, the rows (class, cell texts), and the SVG texts."""
    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.svg_texts, self.svgs = [], [], [], 0
        self.row = self.cell = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"class": a.get("class", ""), "rows": [], "parent": self.current_table()})
            self.stack.append(len(self.tables) - 1)
        elif tag == "tr" and self.stack:
            self.row = {"class": a.get("class", ""), "cells": []}
            self.tables[self.stack[-1]]["rows"].append(self.row)
        elif tag in ("td", "th") and self.row is not None and self.stack:
            self.cell = ""
        elif tag == "svg":
            self.svgs += 1
        self.in_svg_text = tag == "text"
    def current_table(self):
        return self.stack[-1] if self.stack else None
    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()
            self.row = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row["cells"].append(self.cell.strip())
            self.cell = None
        self.in_svg_text = False
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if getattr(self, "in_svg_text", False):
            self.svg_texts.append(data.strip())


def load(path):
    dom = Dom()
    dom.feed(open(path, encoding="utf-8").read())
    return dom
