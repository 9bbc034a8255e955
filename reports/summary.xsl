<?xml version="1.0" encoding="UTF-8"?>
<!-- results.xml to index.html: the run at a glance, one row per vector. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:import href="style.xsl"/>
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/results">
    <html>
      <head>
        <meta charset="UTF-8"/>
        <title>mirrorcert <xsl:value-of select="@suite"/> on <xsl:value-of select="device/@name"/></title>
        <xsl:call-template name="style"/>
      </head>
      <body>
        <h1>mirrorcert: suite <xsl:value-of select="@suite"/> on <xsl:value-of select="device/@name"/></h1>
        <p class="small">
          <xsl:value-of select="@started"/>, <xsl:value-of select="@time_ms"/> ms, seed <xsl:value-of select="@seed"/>
          <xsl:if test="@shard != ''">, shard <xsl:value-of select="@shard"/></xsl:if>
          <xsl:if test="device/@mutant != ''">, mutant <xsl:value-of select="device/@mutant"/></xsl:if>
          . <a href="certification.html">Certification report</a>
          <xsl:if test="@pcap = 'yes'"> · <a href="traffic.pcap">traffic.pcap</a></xsl:if>
        </p>
        <xsl:apply-templates select="tally"/>
        <h2>Vectors</h2>
        <xsl:call-template name="vector-table"/>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
