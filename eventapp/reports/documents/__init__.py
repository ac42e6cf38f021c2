"""The reports' documents: plain data in, PDF, XLSX or CSV bytes out."""
