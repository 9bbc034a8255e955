<?xml version="1.0" encoding="UTF-8"?>
<!-- results.xml to certification.html, a certificate read in a minute: the overall verdict and
     the device first, then one summary line (with a verdict bar) per claim set, then the details
     in the order of an ISO/IEC 9646 test report (claims, standards sections, vectors,
     deviations, observations), and the PICS and the PIXIT items the run read last. Every claim
     links to its vectors, every vector to its failure message; the page is self-contained. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:import href="common.xsl"/>
  <xsl:import href="style.xsl"/>
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <!-- Width of a claim set's verdict bar, in pixels. -->
  <xsl:variable name="bar-width" select="320"/>

  <xsl:template match="/results">
    <xsl:variable name="t" select="tally"/>
    <xsl:variable name="partial" select="(@filter != '' and @filter != '*') or @shard != ''"/>
    <xsl:variable name="overall">
      <xsl:choose>
        <xsl:when test="$t/@fail + $t/@inconc &gt; 0">fail</xsl:when>
        <xsl:when test="$t/@error &gt; 0">error</xsl:when>
        <xsl:when test="$t/@total = 0 or $t/@total = $t/@na">partial</xsl:when>
        <xsl:when test="$partial">partial</xsl:when>
        <xsl:otherwise>pass</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <html>
      <head>
        <meta charset="UTF-8"/>
        <title>Certification report: <xsl:value-of select="device/@product"/></title>
        <xsl:call-template name="style"/>
      </head>
      <body>
        <div id="verdict" class="banner {$overall}">
          <div class="verdict">
            <xsl:choose>
              <xsl:when test="$overall = 'fail'">NOT CONFORMANT</xsl:when>
              <xsl:when test="$overall = 'error'">NOT CERTIFIED: the run did not complete</xsl:when>
              <xsl:when test="$overall = 'partial'">PARTIAL RUN: no verdict on the whole suite</xsl:when>
              <xsl:when test="$t/@xfail &gt; 0">CONFORMANT, with <xsl:value-of select="$t/@xfail"/> known deviation<xsl:if test="$t/@xfail != 1">s</xsl:if></xsl:when>
              <xsl:otherwise>CONFORMANT</xsl:otherwise>
            </xsl:choose>
          </div>
          <div>
            <b><xsl:value-of select="device/@vendor"/><xsl:text> </xsl:text><xsl:value-of select="device/@product"/></b>,
            firmware <xsl:value-of select="device/@firmware"/> (profile <xsl:value-of select="device/@name"/>)
            <xsl:if test="device/@mutant != ''"> · <b>mutant <xsl:value-of select="device/@mutant"/></b>: a deliberately broken reference device</xsl:if>
          </div>
          <div>
            suite <b><xsl:value-of select="@suite"/></b> version <xsl:value-of select="@suite-version"/>:
            <xsl:value-of select="$t/@total"/> vectors: <xsl:value-of select="$t/@pass"/> pass,
            <xsl:value-of select="$t/@fail"/> fail, <xsl:value-of select="$t/@inconc"/> inconclusive,
            <xsl:value-of select="$t/@error"/> error, <xsl:value-of select="$t/@na"/> n/a,
            <xsl:value-of select="$t/@xfail"/> expected failures
          </div>
          <div class="small">
            <xsl:value-of select="@started"/> on <xsl:value-of select="@hostname"/>,
            <xsl:value-of select="format-number(@time_ms div 1000, '0.0')"/> s, seed <xsl:value-of select="@seed"/>,
            mirrorcert <xsl:value-of select="@harness-version"/>
            <xsl:if test="@filter != '' and @filter != '*'"> · filter <xsl:value-of select="@filter"/></xsl:if>
            <xsl:if test="@shard != ''"> · shard <xsl:value-of select="@shard"/></xsl:if>
            <xsl:if test="@pcap = 'yes'"> · <a href="traffic.pcap">traffic.pcap</a></xsl:if>
            · <a href="index.html">summary</a> · <a href="junit.xml">junit.xml</a>
          </div>
        </div>

        <h2>1. Summary by claim set</h2>
        <p class="small legend">A claim's verdict is the worst of the vectors citing it:
          <span class="pass">pass</span><span class="xfail">expected failure</span>
          <span class="inconc">inconclusive</span><span class="fail">fail</span><span class="error">error</span>
          <span class="na">n/a, not run, not covered</span></p>
        <table>
          <tr><th>claim set</th><th>claims and invariants</th><th>pass</th><th>expected failure</th><th>fail or inconc</th><th>error</th><th>n/a, not run, not covered</th></tr>
          <xsl:for-each select="claims/claimset">
            <xsl:variable name="items" select="claim | invariant"/>
            <tr>
              <td><a href="#set-{@id}"><xsl:value-of select="@id"/></a>: <xsl:value-of select="@title"/></td>
              <td><xsl:call-template name="bar"><xsl:with-param name="items" select="$items"/></xsl:call-template></td>
              <td class="num"><xsl:value-of select="count($items[@verdict = 'pass'])"/></td>
              <td class="num"><xsl:value-of select="count($items[@verdict = 'xfail'])"/></td>
              <td class="num"><xsl:value-of select="count($items[@verdict = 'fail' or @verdict = 'inconc'])"/></td>
              <td class="num"><xsl:value-of select="count($items[@verdict = 'error'])"/></td>
              <td class="num"><xsl:value-of select="count($items[@verdict = 'n/a' or @verdict = 'not run' or @verdict = 'not covered'])"/></td>
            </tr>
          </xsl:for-each>
          <xsl:if test="standards/section">
            <tr>
              <td><a href="#standards">standards sections cited</a></td>
              <td><xsl:call-template name="bar"><xsl:with-param name="items" select="standards/section"/></xsl:call-template></td>
              <td class="num"><xsl:value-of select="count(standards/section[@verdict = 'pass'])"/></td>
              <td class="num"><xsl:value-of select="count(standards/section[@verdict = 'xfail'])"/></td>
              <td class="num"><xsl:value-of select="count(standards/section[@verdict = 'fail' or @verdict = 'inconc'])"/></td>
              <td class="num"><xsl:value-of select="count(standards/section[@verdict = 'error'])"/></td>
              <td class="num"><xsl:value-of select="count(standards/section[@verdict = 'n/a' or @verdict = 'not run' or @verdict = 'not covered'])"/></td>
            </tr>
          </xsl:if>
        </table>

        <h2>2. Claims</h2>
        <p class="small">"not covered": no vector of the suite cites the claim; "not run": its vectors
          were filtered out of this run; "expected failure": its only failures are deviations the
          device profile lists.</p>
        <xsl:for-each select="claims/claimset">
          <h3 id="set-{@id}">Claims <xsl:value-of select="@id"/>: <xsl:value-of select="@title"/></h3>
          <p class="small">claims: <xsl:value-of select="@seed"/>, specification: <xsl:value-of select="@spec"/></p>
          <table>
            <tr><th>claim</th><th>kind</th><th>depends on</th><th>verdict</th><th>vectors</th><th>elements (role, verdict): text</th></tr>
            <xsl:for-each select="claim">
              <tr id="claim-{@id}">
                <td><xsl:value-of select="@id"/></td>
                <td><xsl:value-of select="@kind"/></td>
                <td><xsl:value-of select="@depends"/></td>
                <xsl:call-template name="set-verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                <td class="small"><xsl:call-template name="vector-links"><xsl:with-param name="ids" select="@vectors"/></xsl:call-template></td>
                <td class="small">
                  <xsl:for-each select="element">
                    <div><xsl:attribute name="class"><xsl:call-template name="verdict-class"><xsl:with-param name="v" select="@verdict"/></xsl:call-template></xsl:attribute><b><xsl:value-of select="@id"/></b> (<xsl:value-of select="@role"/>, <xsl:call-template name="verdict-name"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>): <xsl:value-of select="."/></div>
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
                <tr id="invariant-{@id}">
                  <td><xsl:value-of select="@id"/></td>
                  <td><xsl:value-of select="@role"/></td>
                  <xsl:call-template name="set-verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                  <td class="small"><xsl:call-template name="vector-links"><xsl:with-param name="ids" select="@vectors"/></xsl:call-template></td>
                  <td class="small"><xsl:value-of select="."/></td>
                </tr>
              </xsl:for-each>
            </table>
          </xsl:if>
        </xsl:for-each>
        <xsl:if test="standards/section">
          <h3 id="standards">Standards sections cited</h3>
          <table>
            <tr><th>section</th><th>verdict</th><th>vectors</th></tr>
            <xsl:for-each select="standards/section">
              <tr>
                <td><xsl:value-of select="@cite"/></td>
                <xsl:call-template name="set-verdict-cell"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
                <td class="small"><xsl:call-template name="vector-links"><xsl:with-param name="ids" select="@vectors"/></xsl:call-template></td>
              </tr>
            </xsl:for-each>
          </table>
        </xsl:if>

        <h2>3. Vectors</h2>
        <xsl:call-template name="vector-table"><xsl:with-param name="anchors" select="true()"/></xsl:call-template>

        <xsl:if test="vectors/vector/ladder">
          <h2 id="ladders">Ladder diagrams of the vectors that did not pass</h2>
          <p class="small">Every PDU each vector exchanged with the device, harness on the left, device on
            the right (with multicast mirroring, the group datagrams and, for an initiator under test,
            the emulated targets' PDUs); a PDU whose field the failure names is drawn in red with that
            field.</p>
          <xsl:for-each select="vectors/vector[ladder]">
            <h3 id="ladder-{@id}"><a href="#v-{@id}"><xsl:value-of select="@id"/></a>:
              <xsl:call-template name="verdict-name"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
              <xsl:if test="@expected != ''"> (expected failure)</xsl:if></h3>
            <p class="small"><xsl:value-of select="message"/></p>
            <xsl:apply-templates select="ladder"/>
          </xsl:for-each>
        </xsl:if>

        <xsl:if test="vectors/vector/strip">
          <h2 id="strips">Bus phases of the parallel SCSI vectors that did not pass</h2>
          <p class="small">The phases of the vector's bus in order (hover for the time): arbitration,
            selection and reselection, message out and in, command, data out and in, status, bus free
            and reset; under each, the ID that drove REQ in it.</p>
          <xsl:for-each select="vectors/vector[strip]">
            <h3 id="strip-{@id}"><a href="#v-{@id}"><xsl:value-of select="@id"/></a>:
              <xsl:call-template name="verdict-name"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
              <xsl:if test="@expected != ''"> (expected failure)</xsl:if></h3>
            <p class="small"><xsl:value-of select="message"/></p>
            <xsl:apply-templates select="strip"/>
          </xsl:for-each>
        </xsl:if>

        <xsl:if test="vectors/vector/timeline">
          <h2 id="timelines">Timelines of the virtual SAN vectors that did not pass</h2>
          <p class="small">Each client's operations from invocation to completion (reads blue, writes
            green, failed red, unknown outcome amber), one row a client, and the faults and device
            operations the vector caused (red lines).</p>
          <xsl:for-each select="vectors/vector[timeline]">
            <h3 id="timeline-{@id}"><a href="#v-{@id}"><xsl:value-of select="@id"/></a>:
              <xsl:call-template name="verdict-name"><xsl:with-param name="v" select="@verdict"/></xsl:call-template>
              <xsl:if test="@expected != ''"> (expected failure)</xsl:if></h3>
            <p class="small"><xsl:value-of select="message"/></p>
            <xsl:apply-templates select="timeline"/>
          </xsl:for-each>
        </xsl:if>

        <h2>4. Known deviations of this device (expected failures)</h2>
        <xsl:choose>
          <xsl:when test="vectors/vector[@expected != '']">
            <ul>
              <xsl:for-each select="vectors/vector[@expected != '']">
                <li class="xfail"><a href="#v-{@id}"><b><xsl:value-of select="@id"/></b></a>: <xsl:value-of select="@expected"/>; verdict <xsl:value-of select="@verdict"/>: <xsl:value-of select="message"/></li>
              </xsl:for-each>
            </ul>
          </xsl:when>
          <xsl:otherwise><p>none</p></xsl:otherwise>
        </xsl:choose>
        <xsl:if test="vectors/vector[observation or detail]">
          <h2>5. Observations</h2>
          <xsl:for-each select="vectors/vector[observation or detail]">
            <p id="obs-{@id}"><a href="#v-{@id}"><b><xsl:value-of select="@id"/></b></a></p>
            <ul>
              <xsl:for-each select="observation"><li><xsl:value-of select="."/></li></xsl:for-each>
              <xsl:for-each select="detail"><li><pre><xsl:value-of select="."/></pre></li></xsl:for-each>
            </ul>
          </xsl:for-each>
        </xsl:if>
        <xsl:if test="catalogue-errors/error">
          <h2>Reservations: the claims catalogue did not load cleanly</h2>
          <ul><xsl:for-each select="catalogue-errors/error"><li><xsl:value-of select="."/></li></xsl:for-each></ul>
        </xsl:if>

        <h2>Appendix A. Identification</h2>
        <table>
          <tr><th>device profile</th><td><xsl:value-of select="device/@name"/> (<xsl:value-of select="device"/>)</td></tr>
          <tr><th>vendor</th><td><xsl:value-of select="device/@vendor"/></td></tr>
          <tr><th>product</th><td><xsl:value-of select="device/@product"/></td></tr>
          <tr><th>firmware</th><td><xsl:value-of select="device/@firmware"/></td></tr>
          <tr><th>test harness</th><td>mirrorcert <xsl:value-of select="@harness-version"/></td></tr>
          <tr><th>test suite</th><td><xsl:value-of select="@suite"/> version <xsl:value-of select="@suite-version"/>: <xsl:value-of select="@suite-summary"/></td></tr>
        </table>
        <h2>Appendix B. Protocol implementation conformance statement (PICS)</h2>
        <table>
          <tr><th>item</th><th>claimed</th><th>meaning</th></tr>
          <xsl:for-each select="pics/item">
            <tr><td><xsl:value-of select="@name"/></td><td><xsl:value-of select="@value"/></td><td><xsl:value-of select="."/></td></tr>
          </xsl:for-each>
        </table>
        <h2>Appendix C. Implementation extra information for testing (PIXIT) the run read</h2>
        <table>
          <tr><th>item</th><th>value</th></tr>
          <xsl:for-each select="pixit/item">
            <tr><td><xsl:value-of select="@name"/></td><td><xsl:value-of select="@value"/></td></tr>
          </xsl:for-each>
        </table>
      </body>
    </html>
  </xsl:template>

  <!-- A ladder diagram: the harness's lifeline at x 120, the device's at 560; one row a PDU. -->
  <xsl:variable name="lad-left" select="120"/>
  <xsl:variable name="lad-right" select="560"/>
  <xsl:variable name="lad-row" select="30"/>
  <xsl:template match="ladder">
    <xsl:if test="@dropped &gt; 0">
      <p class="small">The first <xsl:value-of select="@head"/> and the last PDUs are drawn;
        <xsl:value-of select="@dropped"/> between them are left out (traffic.pcap has them all).</p>
    </xsl:if>
    <xsl:variable name="h" select="count(pdu) * $lad-row + 40"/>
    <svg xmlns="http://www.w3.org/2000/svg" width="1000" height="{$h}" class="ladder" font-size="11" font-family="sans-serif">
      <text x="{$lad-left}" y="14" text-anchor="middle" font-weight="bold">harness</text>
      <text x="{$lad-right}" y="14" text-anchor="middle" font-weight="bold">device</text>
      <line x1="{$lad-left}" y1="20" x2="{$lad-left}" y2="{$h}" stroke="#888"/>
      <line x1="{$lad-right}" y1="20" x2="{$lad-right}" y2="{$h}" stroke="#888"/>
      <xsl:for-each select="pdu">
        <xsl:variable name="y" select="position() * $lad-row + 20"/>
        <xsl:variable name="colour">
          <xsl:choose><xsl:when test="@hit">#c83232</xsl:when><xsl:otherwise>#333</xsl:otherwise></xsl:choose>
        </xsl:variable>
        <text x="4" y="{$y + 4}" fill="#666"><xsl:value-of select="@t"/> ms</text>
        <line x1="{$lad-left}" y1="{$y}" x2="{$lad-right}" y2="{$y}" stroke="{$colour}">
          <xsl:if test="@hit"><xsl:attribute name="stroke-width">2</xsl:attribute></xsl:if>
        </line>
        <xsl:choose>
          <xsl:when test="@dir = 'out'">
            <polygon points="{$lad-right},{$y} {$lad-right - 8},{$y - 4} {$lad-right - 8},{$y + 4}" fill="{$colour}"/>
          </xsl:when>
          <xsl:otherwise>
            <polygon points="{$lad-left},{$y} {$lad-left + 8},{$y - 4} {$lad-left + 8},{$y + 4}" fill="{$colour}"/>
          </xsl:otherwise>
        </xsl:choose>
        <text x="{($lad-left + $lad-right) div 2}" y="{$y - 4}" text-anchor="middle" fill="{$colour}">
          <xsl:value-of select="@n"/>. <xsl:value-of select="@op"/> (<xsl:value-of select="@conn"/>)<xsl:if test="@hit"> · field <xsl:value-of select="@hit"/></xsl:if>
        </text>
        <text x="{$lad-right + 10}" y="{$y + 4}" fill="{$colour}">
          <title><xsl:value-of select="."/></title>
          <xsl:choose>
            <xsl:when test="string-length(.) &gt; 75"><xsl:value-of select="substring(., 1, 72)"/>...</xsl:when>
            <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
          </xsl:choose>
        </text>
      </xsl:for-each>
    </svg>
  </xsl:template>

  <!-- A waveform strip: one cell a phase, strip-cells to a row, coloured by kind. -->
  <xsl:variable name="strip-cell" select="28"/>
  <xsl:variable name="strip-cells" select="34"/>
  <xsl:variable name="strip-row" select="44"/>
  <xsl:template match="strip">
    <xsl:variable name="rows" select="ceiling(count(phase) div $strip-cells)"/>
    <svg xmlns="http://www.w3.org/2000/svg" width="{$strip-cell * $strip-cells + 2}" height="{$rows * $strip-row}"
         class="strip" font-size="8" font-family="sans-serif">
      <xsl:for-each select="phase">
        <xsl:variable name="i" select="position() - 1"/>
        <xsl:variable name="x" select="($i mod $strip-cells) * $strip-cell + 1"/>
        <xsl:variable name="y" select="floor($i div $strip-cells) * $strip-row + 2"/>
        <g>
          <title><xsl:value-of select="concat(@kind, ' at ', @t, ' ns, initiator ', @init, ', target ', @target)"/><xsl:if test="@by != ''"><xsl:value-of select="concat(', REQ driven by ', @by)"/></xsl:if></title>
          <rect x="{$x}" y="{$y}" width="{$strip-cell - 2}" height="22">
            <xsl:attribute name="fill">
              <xsl:choose>
                <xsl:when test="@kind = 'ARB' or @kind = 'SEL' or @kind = 'RESEL'">#e0a020</xsl:when>
                <xsl:when test="@kind = 'MO' or @kind = 'MI'">#5478c8</xsl:when>
                <xsl:when test="@kind = 'CMD'">#8a5cc0</xsl:when>
                <xsl:when test="@kind = 'DOUT' or @kind = 'DIN'">#3c9a3c</xsl:when>
                <xsl:when test="@kind = 'STATUS'">#2a9a9a</xsl:when>
                <xsl:when test="@kind = 'RESET'">#c83232</xsl:when>
                <xsl:otherwise>#ccc</xsl:otherwise>
              </xsl:choose>
            </xsl:attribute>
          </rect>
          <text x="{$x + ($strip-cell - 2) div 2}" y="{$y + 14}" text-anchor="middle" fill="#fff"><xsl:value-of select="@kind"/></text>
          <text x="{$x + ($strip-cell - 2) div 2}" y="{$y + 34}" text-anchor="middle" fill="#333"><xsl:value-of select="@by"/></text>
        </g>
      </xsl:for-each>
    </svg>
    <xsl:if test="@kept &gt;= 160">
      <p class="small">The first <xsl:value-of select="@kept"/> phases are drawn; the spi suite's VCD in this folder has them all.</p>
    </xsl:if>
  </xsl:template>

  <!-- A timeline: tl-width pixels for the vector's span, after a tl-left margin of labels. -->
  <xsl:variable name="tl-left" select="70"/>
  <xsl:variable name="tl-width" select="880"/>
  <xsl:variable name="tl-row" select="14"/>
  <xsl:variable name="tl-top" select="40"/>
  <xsl:template match="timeline">
    <xsl:variable name="scale" select="$tl-width div @span"/>
    <xsl:variable name="h" select="$tl-top + @rows * $tl-row + 20"/>
    <xsl:if test="@total &gt; @kept">
      <p class="small">The first and the last <xsl:value-of select="@kept"/> of <xsl:value-of select="@total"/> operations are drawn.</p>
    </xsl:if>
    <svg xmlns="http://www.w3.org/2000/svg" width="{$tl-left + $tl-width + 20}" height="{$h}" class="timeline"
         font-size="9" font-family="sans-serif">
      <line x1="{$tl-left}" y1="{$h - 14}" x2="{$tl-left + $tl-width}" y2="{$h - 14}" stroke="#888"/>
      <text x="{$tl-left}" y="{$h - 2}">0 ms</text>
      <text x="{$tl-left + $tl-width}" y="{$h - 2}" text-anchor="end"><xsl:value-of select="@span"/> ms</text>
      <xsl:for-each select="op[not(preceding-sibling::op/@row = @row)]">
        <text x="{$tl-left - 4}" y="{$tl-top + @row * $tl-row + 10}" text-anchor="end">client <xsl:value-of select="@process"/></text>
      </xsl:for-each>
      <xsl:for-each select="op">
        <rect x="{$tl-left + @t * $scale}" y="{$tl-top + @row * $tl-row + 2}" height="{$tl-row - 4}">
          <xsl:attribute name="width">
            <xsl:choose>
              <xsl:when test="(@end - @t) * $scale &lt; 1">1</xsl:when>
              <xsl:otherwise><xsl:value-of select="(@end - @t) * $scale"/></xsl:otherwise>
            </xsl:choose>
          </xsl:attribute>
          <xsl:attribute name="fill">
            <xsl:choose>
              <xsl:when test="@outcome = 'fail'">#c83232</xsl:when>
              <xsl:when test="@outcome = 'unknown'">#e0a020</xsl:when>
              <xsl:when test="@kind = 'read'">#5478c8</xsl:when>
              <xsl:otherwise>#3c9a3c</xsl:otherwise>
            </xsl:choose>
          </xsl:attribute>
          <title><xsl:value-of select="concat(@kind, ' block ', @block, ': ', @outcome, ', ', @t, '-', @end, ' ms')"/></title>
        </rect>
      </xsl:for-each>
      <xsl:for-each select="event">
        <xsl:variable name="x" select="$tl-left + @t * $scale"/>
        <line x1="{$x}" y1="{$tl-top - 4}" x2="{$x}" y2="{$h - 14}" stroke="#c83232" stroke-width="1.5"/>
        <text y="{10 + (position() - 1) mod 3 * 10}" fill="#c83232">
          <!-- Labels near the right edge end at their line instead of running off the picture. -->
          <xsl:choose>
            <xsl:when test="@t * $scale &gt; $tl-width - 140">
              <xsl:attribute name="x"><xsl:value-of select="$x - 2"/></xsl:attribute>
              <xsl:attribute name="text-anchor">end</xsl:attribute>
            </xsl:when>
            <xsl:otherwise><xsl:attribute name="x"><xsl:value-of select="$x + 2"/></xsl:attribute></xsl:otherwise>
          </xsl:choose>
          <xsl:value-of select="."/> (<xsl:value-of select="@t"/> ms)</text>
      </xsl:for-each>
    </svg>
  </xsl:template>

  <!-- A claim's, an invariant's or a section's verdict, an expected failure named as such. -->
  <xsl:template name="verdict-name">
    <xsl:param name="v"/>
    <xsl:choose>
      <xsl:when test="$v = 'xfail'">expected failure</xsl:when>
      <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="set-verdict-cell">
    <xsl:param name="v"/>
    <td>
      <xsl:attribute name="class"><xsl:call-template name="verdict-class"><xsl:with-param name="v" select="$v"/></xsl:call-template></xsl:attribute>
      <xsl:call-template name="verdict-name"><xsl:with-param name="v" select="$v"/></xsl:call-template>
    </td>
  </xsl:template>

  <!-- A space-separated list of vector ids as links to their rows. -->
  <xsl:template name="vector-links">
    <xsl:param name="ids"/>
    <xsl:variable name="s" select="normalize-space($ids)"/>
    <xsl:if test="$s != ''">
      <xsl:variable name="first" select="substring-before(concat($s, ' '), ' ')"/>
      <a href="#v-{$first}"><xsl:value-of select="$first"/></a>
      <xsl:text> </xsl:text>
      <xsl:call-template name="vector-links"><xsl:with-param name="ids" select="substring-after($s, ' ')"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- An SVG bar of the items' verdicts, each verdict's share as wide as its count. -->
  <xsl:template name="bar">
    <xsl:param name="items"/>
    <xsl:variable name="n" select="count($items)"/>
    <xsl:variable name="c1" select="count($items[@verdict = 'pass'])"/>
    <xsl:variable name="c2" select="count($items[@verdict = 'xfail'])"/>
    <xsl:variable name="c3" select="count($items[@verdict = 'inconc'])"/>
    <xsl:variable name="c4" select="count($items[@verdict = 'fail'])"/>
    <xsl:variable name="c5" select="count($items[@verdict = 'error'])"/>
    <xsl:variable name="c6" select="$n - $c1 - $c2 - $c3 - $c4 - $c5"/>
    <xsl:if test="$n &gt; 0">
      <xsl:variable name="u" select="$bar-width div $n"/>
      <svg xmlns="http://www.w3.org/2000/svg" width="{$bar-width}" height="14" role="img">
        <title><xsl:value-of select="concat($c1, ' pass, ', $c2, ' expected failure, ', $c3, ' inconc, ', $c4, ' fail, ', $c5, ' error, ', $c6, ' n/a, not run or not covered')"/></title>
        <rect class="pass" x="0" y="0" height="14" width="{$c1 * $u}"/>
        <rect class="xfail" x="{$c1 * $u}" y="0" height="14" width="{$c2 * $u}"/>
        <rect class="inconc" x="{($c1 + $c2) * $u}" y="0" height="14" width="{$c3 * $u}"/>
        <rect class="fail" x="{($c1 + $c2 + $c3) * $u}" y="0" height="14" width="{$c4 * $u}"/>
        <rect class="error" x="{($c1 + $c2 + $c3 + $c4) * $u}" y="0" height="14" width="{$c5 * $u}"/>
        <rect class="na" x="{($c1 + $c2 + $c3 + $c4 + $c5) * $u}" y="0" height="14" width="{$c6 * $u}"/>
      </svg>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
