"""Ask-the-Article: answers questions about one news article, attributed and quoted verbatim."""
