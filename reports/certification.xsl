<?xml version="1.0" encoding="UTF-8"?>
<!-- results.xml to certification.html, in the order of an ISO/IEC 9646 test report:
     identification, PICS and PIXIT, static conformance summary (per claim), dynamic results
     (per vector), observations and reservations. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:template match="/results">
    <html>
      <head>
        <meta charset="UTF-8"/>
        <title>Certification report: <xsl:value-of select="device/@product"/></title>
        <link rel="stylesheet" href="report.css"/>
      </head>
      <body>
        <h1>Conformance test report: <xsl:value-of select="device/@product"/></h1>

        <h2>1. Identification</h2>
        <table>
          <tr><th>device profile</th><td><xsl:value-of select="device/@name"/> (<xsl:value-of select="device"/>)</td></tr>
          <tr><th>vendor</th><td><xsl:value-of select="device/@vendor"/></td></tr>
          <tr><th>product</th><td><xsl:value-of select="device/@product"/></td></tr>
          <tr><th>firmware</th><td><xsl:value-of select="device/@firmware"/></td></tr>
          <xsl:if test="device/@mutant != ''">
            <tr><th>mutant</th><td><xsl:value-of select="device/@mutant"/> (a deliberately broken reference device)</td></tr>
          </xsl:if>
          <tr><th>test harness</th><td>mirrorcert <xsl:value-of select="@harness-version"/></td></tr>
          <tr><th>test suite</th><td><xsl:value-of select="@suite"/> version <xsl:value-of select="@suite-version"/>: <xsl:value-of select="@suite-summary"/></td></tr>
          <tr><th>run</th><td><xsl:value-of select="@started"/> on <xsl:value-of select="@hostname"/>, <xsl:value-of select="@time_ms"/> ms, seed <xsl:value-of select="@seed"/>, filter <xsl:value-of select="@filter"/><xsl:if test="@shard != ''">, shard <xsl:value-of select="@shard"/></xsl:if></td></tr>
        </table>

        <h2>2. Protocol implementation conformance statement (PICS)</h2>
        <table>
          <tr><th>item</th><th>claimed</th><th>meaning</th></tr>
          <xsl:for-each select="pics/item">
            <tr><td><xsl:value-of select="@name"/></td><td><xsl:value-of select="@value"/></td><td><xsl:value-of select="."/></td></tr>
          </xsl:for-each>
        </table>
        <h2>3. Implementation extra information for testing (PIXIT)</h2>
        <table>
          <tr><th>item</th><th>value</th></tr>
          <xsl:for-each select="pixit/item">
            <tr><td><xsl:value-of select="@name"/></td><td><xsl:value-of select="@value"/></td></tr>
          </xsl:for-each>
        </table>

        <h2>4. Static conformance summary</h2>
        <p>A claim's (and an invariant's) verdict is the worst verdict of the vectors citing it or its elements;
           "not covered" means no vector of the suite cites it, "not run" that its vectors were
           filtered out of this run.</p>
        <xsl:apply-templates select="tally"/>
        <xsl:for-each select="claims/claimset">
          <h3>Claims <xsl:value-of select="@id"/>: <xsl:value-of select="@title"/></h3>
          <p class="small">claims: <xsl:value-of select="@seed"/>, specification: <xsl:value-of select="@spec"/></p>
          <table>
            <tr><th>claim</th><th>kind</th><th>depends on</th><th>verdict</th><th>vectors</th><th>elements (role, verdict): text</th></tr>
            <xsl:for-each select="claim">
              <tr>
                <td><xsl:value-of select="@id"/></td>
                <td><xsl:value-of select="@kind"/></td>
                <td><xsl:value-of select="@depends"/></td>
                <xsl:call-template name="verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                <td class="small"><xsl:value-of select="@vectors"/></td>
                <td class="small">
                  <xsl:for-each select="element">
                    <div><xsl:attribute name="class"><xsl:call-template name="verdict-class"><xsl:with-param name="v" select="@verdict"/></xsl:call-template></xsl:attribute><b><xsl:value-of select="@id"/></b> (<xsl:value-of select="@role"/>, <xsl:value-of select="@verdict"/>): <xsl:value-of select="."/></div>
                  </xsl:for-each>
                </td>
              </tr>
            </xsl:for-each>
          </table>
          <xsl:if test="invariant">
            <p>Invariants of claim set <xsl:value-of select="@id"/>: properties its system must keep that no one
               claim states; each is judged like an element.</p>
            <table>
              <tr><th>invariant</th><th>role</th><th>verdict</th><th>vectors</th><th>text</th></tr>
              <xsl:for-each select="invariant">
                <tr>
                  <td><xsl:value-of select="@id"/></td>
                  <td><xsl:value-of select="@role"/></td>
                  <xsl:call-template name="verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                  <td class="small"><xsl:value-of select="@vectors"/></td>
                  <td class="small"><xsl:value-of select="."/></td>
                </tr>
              </xsl:for-each>
            </table>
          </xsl:if>
        </xsl:for-each>
        <xsl:if test="standards/section">
          <h3>Standards sections cited</h3>
          <table>
            <tr><th>section</th><th>verdict</th><th>vectors</th></tr>
            <xsl:for-each select="standards/section">
              <tr>
                <td><xsl:value-of select="@cite"/></td>
                <xsl:call-template name="verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                <td class="small"><xsl:value-of select="@vectors"/></td>
              </tr>
            </xsl:for-each>
          </table>
        </xsl:if>

        <h2>5. Dynamic results</h2>
        <xsl:call-template name="vector-table"/>

        <h2>6. Observations and reservations</h2>
        <h3>Known deviations of this device (expected failures)</h3>
        <xsl:choose>
          <xsl:when test="vectors/vector[@expected != '']">
            <ul>
              <xsl:for-each select="vectors/vector[@expected != '']">
                <li><b><xsl:value-of select="@id"/></b>: <xsl:value-of select="@expected"/>; verdict <xsl:value-of select="@verdict"/>: <xsl:value-of select="message"/></li>
              </xsl:for-each>
            </ul>
          </xsl:when>
          <xsl:otherwise><p>none</p></xsl:otherwise>
        </xsl:choose>
        <h3>Observations</h3>
        <xsl:for-each select="vectors/vector[observation or detail]">
          <p><b><xsl:value-of select="@id"/></b></p>
          <ul>
            <xsl:for-each select="observation"><li><xsl:value-of select="."/></li></xsl:for-each>
            <xsl:for-each select="detail"><li><pre><xsl:value-of select="."/></pre></li></xsl:for-each>
          </ul>
        </xsl:for-each>
        <xsl:if test="catalogue-errors/error">
          <h3>Reservations: the claims catalogue did not load cleanly</h3>
          <ul><xsl:for-each select="catalogue-errors/error"><li><xsl:value-of select="."/></li></xsl:for-each></ul>
        </xsl:if>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
