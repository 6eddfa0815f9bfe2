"""The Models window: what is installed (Atelier's downloads and other apps' models, used in
place), the catalog with what fits this machine, and the downloads under way. Like a studio's
folder it imports only itself and ui/widgets; the shell opens it."""
