"""One ``APIRouter`` per feature of the web app; ``solemap.web.app.create_app`` includes them."""
