"""Raw pages kept as WARC files (ISO 28500), and re-extraction from them.

RFI's templates change and extraction bugs are found late; by then the page may be edited or
gone. So the crawl keeps what it fetched, as archivists do (Heritrix, Browsertrix, wget, pywb read
and write the same files), and ``rficrawl reextract`` runs today's extractor over the kept pages
without crawling again. The parts, in the order the data flows:

- ``capture``: what the crawl hands to the writer (a fetched or rendered page) and where a record
  lands (``Location``, an article's ``warc`` pointer);
- ``writer``: the files (naming, rotation, a gzip member per record, warcinfo), in one thread;
- ``digests``: the last payload recorded per listing URL, so that an unchanged re-poll is a
  ``revisit`` record;
- ``recorder``: the Scrapy components (installed by ``addon``) that record each answer before the
  spider gets it and put the pointer on each article;
- ``reader``: a record back from a file (by pointer or URL), as the response the extractor reads;
- ``reextract``: today's extractor over the stored articles' records, through the store's writer;
- ``usage``: the WARC bytes of each crawl and edition, for the ``crawls`` record and ``stats``.
"""
