"""One module per page; each calls dash.register_page first and defines `layout(**kwargs)`."""
