#!/usr/bin/env python3
"""Turns a `tmux capture-pane -e -p` capture (text with SGR colour codes) into an SVG image.

Usage: ansi2svg.py TITLE < capture.ansi > out.svg
Handles what aether-top's ncurses output uses: 8/16 colours, default colours, bold, dim,
reverse. Every cell is one column of a monospace grid.
"""
import html
import re
import sys

PALETTE = {
    0: "#1d1f21", 1: "#cc6666", 2: "#8bc34a", 3: "#f0c674", 4: "#81a2be", 5: "#b294bb", 6: "#8abeb7", 7: "#c5c8c6",
    8: "#666666", 9: "#ff7b7b", 10: "#b5e07b", 11: "#ffe08a", 12: "#a3c4e8", 13: "#d7b8e0", 14: "#a8e0d8", 15: "#ffffff",
}
FG, BG = "#d8dadb", "#1d1f21"
CELL_W, CELL_H = 8.4, 17


def parse(text):
    rows = []
    sgr = re.compile(r"\x1b\[([0-9;]*)m")
    for line in text.rstrip("\n").split("\n"):
        state = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
        cells = []
        pos = 0
        for match in sgr.finditer(line):
            for ch in line[pos:match.start()]:
                cells.append((ch, dict(state)))
            pos = match.end()
            codes = [int(c) if c else 0 for c in match.group(1).split(";")] if match.group(1) else [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    state = {"fg": None, "bg": None, "bold": False, "dim": False, "rev": False}
                elif c == 1:
                    state["bold"] = True
                elif c == 2:
                    state["dim"] = True
                elif c == 7:
                    state["rev"] = True
                elif c == 22:
                    state["bold"] = state["dim"] = False
                elif c == 27:
                    state["rev"] = False
                elif 30 <= c <= 37:
                    state["fg"] = c - 30
                elif 90 <= c <= 97:
                    state["fg"] = c - 90 + 8
                elif c == 39:
                    state["fg"] = None
                elif 40 <= c <= 47:
                    state["bg"] = c - 40
                elif 100 <= c <= 107:
                    state["bg"] = c - 100 + 8
                elif c == 49:
                    state["bg"] = None
                elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    state["fg" if c == 38 else "bg"] = codes[i + 2] if codes[i + 2] < 16 else None
                    i += 2
                i += 1
        for ch in line[pos:]:
            cells.append((ch, dict(state)))
        rows.append(cells)
    return rows


def colours(state):
    fg = PALETTE[state["fg"] + (8 if state["bold"] and state["fg"] < 8 else 0)] if state["fg"] is not None else FG
    bg = PALETTE[state["bg"]] if state["bg"] is not None else BG
    if state["rev"]:
        fg, bg = (bg if state["bg"] is not None else BG), (PALETTE[state["fg"]] if state["fg"] is not None else FG)
    return fg, bg


def main():
    title = sys.argv[1] if len(sys.argv) > 1 else "aether-top"
    rows = parse(sys.stdin.read())
    width = max((len(r) for r in rows), default=80)
    w, h = int(width * CELL_W + 20), int(len(rows) * CELL_H + 44)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect width="{w}" height="{h}" rx="8" fill="{BG}"/>',
        '<circle cx="18" cy="14" r="5" fill="#ff5f56"/><circle cx="34" cy="14" r="5" fill="#ffbd2e"/>'
        '<circle cx="50" cy="14" r="5" fill="#27c93f"/>',
        f'<text x="{w / 2}" y="18" fill="#999" font-family="sans-serif" font-size="12" text-anchor="middle">'
        f"{html.escape(title)}</text>",
        '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" xml:space="preserve">',
    ]
    for y, cells in enumerate(rows):
        top = 30 + y * CELL_H
        x = 0
        while x < len(cells):
            fg, bg = colours(cells[x][1])
            start = x
            while x < len(cells) and colours(cells[x][1]) == (fg, bg) and cells[x][1]["bold"] == cells[start][1]["bold"]:
                x += 1
            run = "".join(c for c, _ in cells[start:x])
            left = 10 + start * CELL_W
            if bg != BG:
                out.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{(x - start) * CELL_W:.1f}" height="{CELL_H}" fill="{bg}"/>')
            if run.strip():
                weight = ' font-weight="bold"' if cells[start][1]["bold"] else ""
                opacity = ' opacity="0.7"' if cells[start][1]["dim"] else ""
                out.append(
                    f'<text x="{left:.1f}" y="{top + 13:.1f}" fill="{fg}"{weight}{opacity} textLength="{(x - start) * CELL_W:.1f}"'
                    f' lengthAdjust="spacingAndGlyphs">{html.escape(run)}</text>'
                )
    out.append("</g></svg>")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
