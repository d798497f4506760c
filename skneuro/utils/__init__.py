"""Small utilities shared by the skneuro subpackages."""
