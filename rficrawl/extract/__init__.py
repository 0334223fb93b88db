"""Page parsing: pure functions from a downloaded page to items and links, usable without a crawl."""
