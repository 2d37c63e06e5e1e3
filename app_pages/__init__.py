"""The app's pages beyond the single-clip analyser: the coach's workspace and the client's upload page.

Streamlit only; every number and every write goes through :mod:`formcheck.workspace`.
"""
