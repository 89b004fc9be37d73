"""Public notices (公示): posting a notice in a village, its printable page and Word document."""
