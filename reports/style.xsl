<?xml version="1.0" encoding="UTF-8"?>
<!-- The pages' one stylesheet, written inline into each page so a report opens alone (from an
     e-mail, an archive) with its colours. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template name="style">
    <style>
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 80em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; }
a { color: #1a4f9c; }
.pass { background: #d9f2d9; } .fail { background: #f7d4d4; } .error { background: #f2c4e8; }
.inconc { background: #fbe9c4; } .na, .not-run, .not-covered { background: #eee; color: #666; }
.xfail { background: #e0e4f7; }
rect.pass { fill: #3c9a3c; } rect.fail { fill: #c83232; } rect.error { fill: #b03c9c; }
rect.inconc { fill: #e0a020; } rect.xfail { fill: #5468c8; }
rect.na, rect.not-run, rect.not-covered { fill: #bbb; }
pre { white-space: pre-wrap; margin: 0; font-size: 0.9em; }
.small { font-size: 0.85em; color: #555; }
.banner { padding: 1em 1.5em; border-radius: 6px; margin-bottom: 1.5em; }
.banner .verdict { font-size: 2em; font-weight: bold; }
.banner.pass { background: #d9f2d9; border: 2px solid #3c9a3c; }
.banner.fail { background: #f7d4d4; border: 2px solid #c83232; }
.banner.error { background: #f2c4e8; border: 2px solid #b03c9c; }
.banner.partial { background: #eee; border: 2px solid #888; }
.legend span { padding: 0 0.5em; margin-right: 0.5em; }
    </style>
  </xsl:template>
</xsl:stylesheet>
