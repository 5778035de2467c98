"""Command methods of the Skillpath application, one module per area."""
