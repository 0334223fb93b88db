"""``rficrawl report``: one self-contained HTML page of what the archive holds and how crawls went.

``data`` reads the store with query shapes that stay fast on a large archive (see its docstring
for the indexes they use), ``charts`` draws them with pygal as inline SVG (no script, nothing
fetched), ``page`` puts them in one HTML file with the numbers behind each chart.
"""
