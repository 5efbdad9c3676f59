"""The tensor rule library, by domain; importing it registers every rule in its phase."""
