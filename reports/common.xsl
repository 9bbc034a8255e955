<?xml version="1.0" encoding="UTF-8"?>
<!-- Templates shared by summary.xsl and certification.xsl: verdict cells and the tally. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <!-- A CSS class for a verdict: n/a, not run and not covered have no valid class names. -->
  <xsl:template name="verdict-class">
    <xsl:param name="v"/>
    <xsl:param name="expected" select="''"/>
    <xsl:choose>
      <xsl:when test="$expected != ''">xfail</xsl:when>
      <xsl:when test="$v = 'n/a'">na</xsl:when>
      <xsl:otherwise><xsl:value-of select="translate($v, ' ', '-')"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="verdict-cell">
    <xsl:param name="v"/>
    <xsl:param name="expected" select="''"/>
    <td>
      <xsl:attribute name="class">
        <xsl:call-template name="verdict-class">
          <xsl:with-param name="v" select="$v"/>
          <xsl:with-param name="expected" select="$expected"/>
        </xsl:call-template>
      </xsl:attribute>
      <xsl:value-of select="$v"/>
      <xsl:if test="$expected != ''"> (expected)</xsl:if>
    </td>
  </xsl:template>

  <xsl:template match="tally">
    <table>
      <tr><th>pass</th><th>fail</th><th>inconc</th><th>error</th><th>n/a</th><th>expected failure</th><th>total</th></tr>
      <tr>
        <td class="num pass"><xsl:value-of select="@pass"/></td>
        <td class="num fail"><xsl:value-of select="@fail"/></td>
        <td class="num inconc"><xsl:value-of select="@inconc"/></td>
        <td class="num error"><xsl:value-of select="@error"/></td>
        <td class="num na"><xsl:value-of select="@na"/></td>
        <td class="num xfail"><xsl:value-of select="@xfail"/></td>
        <td class="num"><xsl:value-of select="@total"/></td>
      </tr>
    </table>
  </xsl:template>

  <!-- One row per vector; with anchors, each row is the target #v-ID and links to its observations. -->
  <xsl:template name="vector-table">
    <xsl:param name="anchors" select="false()"/>
    <table>
      <tr><th>vector</th><th>role</th><th>claims</th><th>verdict</th><th>message</th><th>ms</th></tr>
      <xsl:for-each select="/results/vectors/vector">
        <tr>
          <xsl:if test="$anchors"><xsl:attribute name="id">v-<xsl:value-of select="@id"/></xsl:attribute></xsl:if>
          <td><xsl:value-of select="@id"/><div class="small"><xsl:value-of select="summary"/></div></td>
          <td><xsl:value-of select="@role"/></td>
          <td><xsl:for-each select="cite"><xsl:value-of select="."/><xsl:text> </xsl:text></xsl:for-each></td>
          <xsl:call-template name="verdict-cell">
            <xsl:with-param name="v" select="@verdict"/>
            <xsl:with-param name="expected" select="@expected"/>
          </xsl:call-template>
          <td>
            <xsl:value-of select="message"/>
            <xsl:if test="message/@clause != ''"><div class="small">clause: <xsl:value-of select="message/@clause"/></div></xsl:if>
            <xsl:if test="@expected != ''"><div class="small">deviation: <xsl:value-of select="@expected"/></div></xsl:if>
            <xsl:if test="$anchors and (observation or detail)"><div class="small"><a href="#obs-{@id}">observations</a></div></xsl:if>
            <xsl:if test="$anchors and ladder"><div class="small"><a href="#ladder-{@id}">ladder diagram of its PDUs</a></div></xsl:if>
            <xsl:if test="$anchors and strip"><div class="small"><a href="#strip-{@id}">bus phases</a></div></xsl:if>
            <xsl:if test="$anchors and timeline"><div class="small"><a href="#timeline-{@id}">timeline of operations and faults</a></div></xsl:if>
          </td>
          <td class="num"><xsl:value-of select="@time_ms"/></td>
        </tr>
      </xsl:for-each>
    </table>
  </xsl:template>
</xsl:stylesheet>
