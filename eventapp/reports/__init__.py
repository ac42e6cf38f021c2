"""Reports: attendance, sign-in sheets, payments, certificates, reach, small counts."""
