# Generated stubs of recflow.v1 (scripts/gen-clients.sh); nothing here is hand-written.
