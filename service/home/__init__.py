"""Where each role's day starts, its to-do list, and the navigation of the pages."""
