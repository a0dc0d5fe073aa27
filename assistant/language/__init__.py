"""Words and questions: lexicon, sentence splitting, question analysis, spelling, abbreviations."""
