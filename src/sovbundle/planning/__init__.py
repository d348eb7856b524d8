"""Pure planning: a bundle spec and a catalog in, a proven-optimal ``Plan`` out."""
