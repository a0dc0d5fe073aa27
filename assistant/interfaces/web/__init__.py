"""The browser app (Gradio)."""
