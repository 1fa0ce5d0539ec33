"""The portal's web UI (issue #8): server-rendered pages for suppliers and approvers.

Pages read projections and call the owning services' APIs on the person's behalf, so the API's
authorisation rules are the UI's too. No JavaScript is needed; one CSS file is the only asset.
"""
