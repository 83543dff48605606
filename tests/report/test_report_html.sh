#!/usr/bin/env bash
# `sluice report --format html` rendered by headless Chromium: the page is
# self-contained (no scripts, no external URLs), the screenshot is not blank
# and shows the charts' colours, and the DOM Chromium built holds every
# chart's SVG elements (a bar per month and series, per stage, per segment;
# the forecast's lines and points). Exits 77 (skipped) without chromium;
# setup.sh installs it.
. "$SLUICE_SOURCE_DIR/tests/e2e/lib.sh"

HERE=${SLUICE_REPORT_DIR:-$SLUICE_SOURCE_DIR/tests/report}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "chromium is not installed (apt-get install chromium): skipped"
    trap - EXIT
    rm -rf "$TMP"
    exit 77
fi

DB=$TMP/wh.db
sqlite3 "$DB" <"$HERE/crafted.sql" || { fail "crafted.sql loads"; exit 1; }

# render HTML PNG DOM: screenshot and DOM of a page, through a profile of
# its own so no user's Chromium state is touched.
render() {
    local html=$1 png=$2 dom=$3 flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars
        --user-data-dir="$TMP/chromium" --no-first-run --disable-extensions)
    timeout 90 "$CHROMIUM" "${flags[@]}" --screenshot="$png" --window-size=1200,2400 "file://$html" \
        >"$TMP/chromium.log" 2>&1
    timeout 90 "$CHROMIUM" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>>"$TMP/chromium.log"
    [ -s "$png" ] && [ -s "$dom" ] || { fail "chromium rendered $html"; tail -5 "$TMP/chromium.log"; }
}

# The checks on a screenshot and a DOM, in Python (standard library only:
# the PNG is decoded with zlib).
cat >"$TMP/check.py" <<'EOF'
import sys, zlib, struct, json
from html.parser import HTMLParser

def png_pixels(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), 'PNG is not 8-bit RGB(A)'
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        ft, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ft == 1: line[x] = (line[x] + a) & 255
            elif ft == 2: line[x] = (line[x] + b) & 255
            elif ft == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

def screenshot(path):
    w, h, bpp, rows = png_pixels(path)
    colours, nonwhite = {}, 0
    for r in rows:
        for x in range(0, len(r), bpp):
            px = r[x:x + 3]
            colours[px] = colours.get(px, 0) + 1
            nonwhite += px != b'\xff\xff\xff'
    return {'pixels': w * h, 'nonwhite': nonwhite, 'colours': len(colours),
            'has': lambda hexc: colours.get(bytes.fromhex(hexc.lstrip('#')), 0)}

class Svgs(HTMLParser):
    """Counts the elements (by tag and tag.class) inside each <svg id=...>."""
    def __init__(self):
        super().__init__()
        self.cur, self.depth, self.svgs = None, 0, {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'svg':
            self.cur, self.depth = a.get('id'), 0
            self.svgs[self.cur] = {}
        elif self.cur:
            c = self.svgs[self.cur]
            c[tag] = c.get(tag, 0) + 1
            if a.get('class'):
                k = tag + '.' + a['class']
                c[k] = c.get(k, 0) + 1
        if self.cur and tag != 'svg':
            self.depth += 1
    def handle_endtag(self, tag):
        if tag == 'svg':
            self.cur = None

def dom(path):
    p = Svgs()
    p.feed(open(path, encoding='utf-8').read())
    return p.svgs

kind, png, dompath, expect = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
shot, svgs = screenshot(png), dom(dompath)
out = []
def check(ok, msg):
    out.append(('ok - ' if ok else 'FAIL - ') + kind + ': ' + msg)
check(shot['nonwhite'] > shot['pixels'] // 50, 'screenshot not blank (%d of %d pixels not white)' % (shot['nonwhite'], shot['pixels']))
check(shot['colours'] > 50, 'screenshot has %d distinct colours' % shot['colours'])
for colour, least in expect.get('colours', {}).items():
    check(shot['has'](colour) >= least, 'chart colour %s painted on %d pixels (want >= %d)' % (colour, shot['has'](colour), least))
for sid, counts in expect['svg'].items():
    got = svgs.get(sid)
    check(got is not None, 'svg#%s in the DOM' % sid)
    for k, want in counts.items():
        n = (got or {}).get(k, 0)
        check(n == want, 'svg#%s has %d %s (want %d)' % (sid, n, k, want))
print('\n'.join(out))
EOF

# check KIND HTML EXPECT_JSON: renders and runs check.py, one lib.sh check per line.
check_page() {
    local kind=$1 html=$2 expect=$3
    render "$html" "$TMP/$kind.png" "$TMP/$kind.dom.html"
    python3 "$TMP/check.py" "$kind" "$TMP/$kind.png" "$TMP/$kind.dom.html" "$expect" >"$TMP/$kind.checks" 2>&1 ||
        fail "$kind: check.py ran: $(tail -3 "$TMP/$kind.checks")"
    while IFS= read -r l; do
        case $l in
        "ok - "*) pass "${l#ok - }" ;;
        "FAIL - "*) fail "${l#FAIL - }" ;;
        esac
    done <"$TMP/$kind.checks"
}

# ---- the crafted warehouse: orders, margin, deals, segments ---------------------
expect_exit 0 "$SLUICE" report "$DB" --format html -o "$TMP/full.html" --by month,owner,sector
expect_contains "$TMP/full.html" "<!DOCTYPE html>"
expect_not_contains "$TMP/full.html" "<script"
expect_not_contains "$TMP/full.html" "http://"
expect_not_contains "$TMP/full.html" "https://"
expect_eq "$(grep -cE '(src|href)=' "$TMP/full.html")" 0 "no external resources"
expect_contains "$TMP/full.html" 'id="forecast-error">MAE'
# 6 months x 2 series (revenue, margin) = 12 bars; 4 stages; 10 segments;
# forecast: 3 lines, 6 actual + 3 backtest + 4 forecast points (from the
# last actual month).
check_page full "$TMP/full.html" '{
  "colours": {"#3182ce": 500, "#38a169": 200, "#e53e3e": 100, "#c53030": 20},
  "svg": {
    "chart-monthly": {"rect.bar": 12, "title": 13},
    "chart-funnel": {"rect.bar": 4},
    "chart-segments": {"rect.bar": 10},
    "chart-forecast": {"path.line": 3, "circle": 13}
  }}'

# ---- deals only (the Maven CRM shape): won value per month -------------------------
DEALS=$TMP/deals.db
sql "$DB" "ATTACH '$DEALS' AS x; CREATE TABLE x.deals AS SELECT * FROM deals; CREATE TABLE x.companies AS SELECT * FROM companies;
  INSERT INTO x.deals (deal_id, owner, stage, status, amount, created_at, closed_at)
  VALUES ('D9', '<i>Маша & \"Co\"</i>', 'Lost', 'lost', '5', '2024-05-01', '2024-05-02');" >/dev/null
expect_exit 0 "$SLUICE" report "$DEALS" --format html --by owner -o "$TMP/deals.html"
expect_contains "$TMP/deals.html" "Won deal value by month"
expect_contains "$TMP/deals.html" "<td>&lt;i&gt;Маша &amp; &quot;Co&quot;&lt;/i&gt;</td>"
expect_not_contains "$TMP/deals.html" "<i>Маша"
# Deals closed from 2024-01 to 2024-06: 6 months, 1 series (won value); won
# deals in only 5 of them: too few for a forecast.
check_page deals "$TMP/deals.html" '{
  "colours": {"#805ad5": 500},
  "svg": {
    "chart-monthly": {"rect.bar": 6},
    "chart-funnel": {"rect.bar": 4},
    "chart-segments": {"rect.bar": 10},
    "chart-forecast": {"text.nodata": 1}
  }}'
