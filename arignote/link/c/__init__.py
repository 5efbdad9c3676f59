"""``pytensor.link.c``: the C linkers (`basic`) and the ``Generic`` type name (`type`)."""
