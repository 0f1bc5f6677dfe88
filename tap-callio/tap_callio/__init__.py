"""Singer tap for the Callio call-centre API."""
