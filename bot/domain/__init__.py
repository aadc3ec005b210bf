"""The rules of the product, in plain Python: no botbuilder, aiohttp or SQLAlchemy here."""
