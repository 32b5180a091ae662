"""The web front end: an upload page, a JSON API and a live marquee (`dancecore serve`).

`dancecore.web.app.create_app` builds the FastAPI app (needs the `web` extra: fastapi, uvicorn,
python-multipart) around the shared `dancecore.service.ClassificationService`;
`dancecore.web.events.EventHub` carries live events to the marquee and needs nothing extra.
"""
