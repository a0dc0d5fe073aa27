"""The index on disk: embeddings, vector and lexical indexes, the manifest, atomic builds."""
