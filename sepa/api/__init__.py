from .views import BatchViewSet, MandateViewSet

__all__ = ["BatchViewSet", "MandateViewSet"]
