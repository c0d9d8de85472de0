"""cucmsim: a CUCM publisher simulator (AXL, RisPort70, CAPF) for lscrenew's tests."""
