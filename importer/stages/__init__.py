"""The run as explicit stages, each a small interface in its own module:

    source      the input's rows: the spreadsheet, or an earlier run's results (a retry)
      ↓
    normalize   rows → contacts to send, or the reason a row is not sent (in-process or forked)
      ↓
    filter      dedupe's leftovers: the ledger's unchanged contacts, the journal's rows sent
      ↓         earlier (a resume), the canary's limit
    send        dry (every row is its own result), or to the API (after the preflight, and
      ↓         --verify's check): one `Answer` per row, in input order
    sink        the results file and its copy, the ledger, the summary's tally, the caller's
                hooks; the journal hears each answer as it comes (`AnswerLog`)

`pipeline.run_plan_async` composes them; a dry run and a sending run share every stage but
`send`.
"""
