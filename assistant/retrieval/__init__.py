"""Finding passages: hybrid retrieval and fusion, and the LangChain retriever adapter."""
