"""MongoDB storage of the archive (user documentation: docs/storage.md).

In the order an article meets them: ``known`` (downloader middleware: skip articles already
stored), ``validation`` (drop bad items with a reason), ``documents`` (item -> stored document),
``pipeline`` (batches, worker thread, retries, spill), ``writer`` (insert / touch / revise),
``spill`` (the file of what could not be stored), ``crawls`` (one record per crawl run),
``queries`` (the CLI's filters), ``connection`` (client options, indexes) and ``upgrade`` (stored
articles brought to today's rules by ``rficrawl store init``). ``addon`` (a Scrapy add-on, switched
by ``MONGO_URI``) installs the middleware and the pipeline with their settings' defaults. Starting
a server is not storage's business: that is ``rficrawl.ops``, which nothing here imports.
"""
