"""The postings service: owns job postings (draft / published / closed), the public job board, each company's posting quota."""
