"""Chart and table builders: pure functions from a DataFrame to a plotly Figure or to the table a
person reads (no streamlit, no SQL), one module per subject: ``training``, ``activity``,
``status``, ``screening``, ``quality``, ``overview``; ``styles`` gives the vocabulary its colours.

NHS identity colours (``wdp.config.Colour``); a chart never relies on colour alone (values are
labelled on the chart, RAG and judgements carry a shape and a word).
"""
