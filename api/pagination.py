"""Pages of API lists: 50 rows by default, ``page_size`` up to 500 (191 CCGs fit one page)."""

from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
