"""The Qt user interface: thin screens over the core services. The only package that imports Qt."""
