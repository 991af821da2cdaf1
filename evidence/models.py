"""Evidence submissions (CCG x cycle): built in the evidence issue."""
