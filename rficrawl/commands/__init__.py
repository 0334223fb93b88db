"""Project commands for ``scrapy`` (setting COMMANDS_MODULE)."""
