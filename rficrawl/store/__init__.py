"""MongoDB storage of the archive (user documentation: docs/storage.md).

In the order an article meets them: ``known`` (downloader middleware: skip articles already
stored), ``validation`` (drop bad items with a reason), ``documents`` (item -> stored document),
``pipeline`` (batches, worker thread, retries, spill), ``writer`` (insert / touch / revise),
``spill`` (the file of what could not be stored), ``crawls`` (one record per crawl run),
``queries`` (the CLI's filters), ``connection`` (client options, indexes) and ``server`` (a
MongoDB-wire server for tests, benches and the run command). ``addon`` (a Scrapy add-on, switched
by ``MONGO_URI``) installs the middleware and the pipeline with their settings' defaults.
"""
