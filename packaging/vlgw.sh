#!/bin/sh
# /usr/bin/vlgw: the operator command of the installed package. It reads the installed
# configuration (the files the units read) unless VLGW_CONFIG / VLGW_ENV_FILE say otherwise.
if [ -z "${VLGW_CONFIG+x}" ] && [ -r /etc/vlgw/vlgw.conf ]; then
    VLGW_CONFIG=/etc/vlgw/vlgw.conf; export VLGW_CONFIG
fi
if [ -z "${VLGW_ENV_FILE+x}" ] && [ -r /etc/vlgw/vlgw.env ]; then
    VLGW_ENV_FILE=/etc/vlgw/vlgw.env; export VLGW_ENV_FILE
fi
# `vlgw status` proves the operator key on the bus (root-only 0600, like the others).
if [ -z "${VLGW_BUS_KEY_FILE+x}" ] && [ -r /etc/vlgw/keys/operator.key ]; then
    VLGW_BUS_KEY_FILE=/etc/vlgw/keys/operator.key; export VLGW_BUS_KEY_FILE
fi
exec /usr/lib/vlgw/bin/vlgw "$@"
