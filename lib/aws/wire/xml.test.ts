import fc from 'fast-check';
import { GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { HttpResponse } from '@smithy/core/transport';
import { child, childrenNamed, listOf, MAX_XML_DEPTH, parseXml, textOf, XmlElement, XmlParseError } from './xml';

/*
 * Answers in the shapes AWS documents. Sources:
 * - GetRolePolicy: IAM API Reference, API_GetRolePolicy, "Sample Response" (verbatim).
 * - GetCallerIdentity: STS API Reference, API_GetCallerIdentity, "Example 1 - Called by an IAM user".
 * - ListAttachedRolePolicies: IAM API Reference, API_ListAttachedRolePolicies (AttachedPolicies > member >
 *   PolicyName, PolicyArn; IsTruncated).
 * - GetTopicAttributes / Publish: SNS API Reference, API_GetTopicAttributes (Attributes.entry.N.key/value)
 *   and API_Publish (PublishResult > MessageId).
 * - DescribeVpcEndpoints: EC2 API Reference, API_DescribeVpcEndpoints (ec2Query: no Result wrapper,
 *   lower-camel names, lists as <xSet><item>); values from the AWS CLI example (vpce-3ecf2a57).
 * Where the documentation pages could only be read in part, element names and nesting follow the
 * pages' response-element lists and the values their examples; the SDK cross-check below confirms SDK
 * v3 reads each answer to the same values we do.
 */
const getRolePolicy = `<GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRolePolicyResult>
    <PolicyName>S3AccessPolicy</PolicyName>
    <RoleName>S3Access</RoleName>
    <PolicyDocument>{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"]}]}</PolicyDocument>
  </GetRolePolicyResult>
  <ResponseMetadata>
    <RequestId>7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804</RequestId>
  </ResponseMetadata>
</GetRolePolicyResponse>`;

/** What IAM really sends today: the document URL-encoded (RFC 3986), with its own whitespace encoded too. */
const getRolePolicyUrlEncoded = `<?xml version="1.0" encoding="UTF-8"?>
<GetRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRolePolicyResult>
    <PolicyName>guard</PolicyName>
    <RoleName>app-role</RoleName>
    <PolicyDocument>%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%5D%0A%7D</PolicyDocument>
  </GetRolePolicyResult>
  <ResponseMetadata>
    <RequestId>7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE805</RequestId>
  </ResponseMetadata>
</GetRolePolicyResponse>`;

const getCallerIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
   <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`;

const listAttachedRolePolicies = `<ListAttachedRolePoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListAttachedRolePoliciesResult>
    <AttachedPolicies>
      <member>
        <PolicyName>ReadOnlyAccess</PolicyName>
        <PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn>
      </member>
      <member>
        <PolicyName>AmazonSNSFullAccess</PolicyName>
        <PolicyArn>arn:aws:iam::aws:policy/AmazonSNSFullAccess</PolicyArn>
      </member>
    </AttachedPolicies>
    <IsTruncated>true</IsTruncated>
    <Marker>EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl/eeaCX3Jo94/bKqezEAg8TEVS99EKFLxm3jtbpl25FDWEXAMPLE</Marker>
  </ListAttachedRolePoliciesResult>
  <ResponseMetadata>
    <RequestId>9a3b490d-c0bf-11e4-a40d-EXAMPLE</RequestId>
  </ResponseMetadata>
</ListAttachedRolePoliciesResponse>`;

const getTopicAttributes = `<GetTopicAttributesResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">
  <GetTopicAttributesResult>
    <Attributes>
      <entry>
        <key>Owner</key>
        <value>123456789012</value>
      </entry>
      <entry>
        <key>Policy</key>
        <value>{"Version":"2008-10-17","Id":"us-east-1/698519295917/test__default_policy_ID","Statement" : [{"Effect":"Allow","Sid":"us-east-1/698519295917/test__default_statement_ID","Principal" : {"AWS": "*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:Publish"],"Resource":"arn:aws:sns:us-east-1:698519295917:test","Condition" : {"StringLike" : {"AWS:SourceArn": "arn:aws:*:*:698519295917:*"}}}]}</value>
      </entry>
      <entry>
        <key>TopicArn</key>
        <value>arn:aws:sns:us-east-1:123456789012:My-Topic</value>
      </entry>
      <entry>
        <key>DisplayName</key>
        <value>Alerts &amp; &lt;drift&gt; </value>
      </entry>
    </Attributes>
  </GetTopicAttributesResult>
  <ResponseMetadata>
    <RequestId>057f074c-33a7-11df-9540-99d0768312d3</RequestId>
  </ResponseMetadata>
</GetTopicAttributesResponse>`;

const publish = `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult>
    <MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId>
  </PublishResult>
  <ResponseMetadata>
    <RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId>
  </ResponseMetadata>
</PublishResponse>`;

const describeVpcEndpoints = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>19a9ff46-7df6-49b8-9726-3df27527089d</requestId>
    <vpcEndpointSet>
        <item>
            <vpcEndpointId>vpce-3ecf2a57</vpcEndpointId>
            <vpcEndpointType>Gateway</vpcEndpointType>
            <vpcId>vpc-ec43eb89</vpcId>
            <serviceName>com.amazonaws.us-east-1.s3</serviceName>
            <state>available</state>
            <policyDocument>{&quot;Version&quot;:&quot;2008-10-17&quot;,&quot;Statement&quot;:[{&quot;Sid&quot;:&quot;&quot;,&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Action&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}]}</policyDocument>
            <routeTableIdSet>
                <item>rtb-4e5ef02b</item>
            </routeTableIdSet>
            <subnetIdSet/>
            <groupSet/>
            <privateDnsEnabled>false</privateDnsEnabled>
            <creationTimestamp>2015-05-15T09:40:50.000Z</creationTimestamp>
        </item>
    </vpcEndpointSet>
</DescribeVpcEndpointsResponse>`;

describe('parseXml on AWS answers', () => {
  it('reads IAM GetRolePolicy, the documentation sample', () => {
    // Act
    const root = parseXml(getRolePolicy);

    // Assess
    const result = child(root, 'GetRolePolicyResult');
    expect(root.name).toBe('GetRolePolicyResponse');
    expect(root.attributes).toEqual({ xmlns: 'https://iam.amazonaws.com/doc/2010-05-08/' });
    expect(textOf(result, 'RoleName')).toBe('S3Access');
    expect(JSON.parse(textOf(result, 'PolicyDocument') ?? '')).toEqual({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['*'] }] });
    expect(textOf(child(root, 'ResponseMetadata'), 'RequestId')).toBe('7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804');
  });

  it('keeps a URL-encoded policy document exactly, for the caller to decode', () => {
    // Act
    const document = textOf(child(parseXml(getRolePolicyUrlEncoded), 'GetRolePolicyResult'), 'PolicyDocument');

    // Assess
    expect(document).toBe('%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%5D%0A%7D');
    expect(decodeURIComponent(document ?? '')).toBe('{\n  "Version": "2012-10-17",\n  "Statement": []\n}');
  });

  it('reads STS GetCallerIdentity', () => {
    // Act
    const result = child(parseXml(getCallerIdentity), 'GetCallerIdentityResult');

    // Assess
    expect({ arn: textOf(result, 'Arn'), userId: textOf(result, 'UserId'), account: textOf(result, 'Account') }).toEqual({
      arn: 'arn:aws:iam::123456789012:user/Alice',
      userId: 'AIDACKCEVSQ6C2EXAMPLE',
      account: '123456789012',
    });
  });

  it('reads an awsQuery list of structures (IAM ListAttachedRolePolicies)', () => {
    // Act
    const result = child(parseXml(listAttachedRolePolicies), 'ListAttachedRolePoliciesResult');

    // Assess
    expect(listOf(result, 'AttachedPolicies').map((policy) => textOf(policy, 'PolicyArn'))).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::aws:policy/AmazonSNSFullAccess',
    ]);
    expect(textOf(result, 'IsTruncated')).toBe('true');
    expect(textOf(result, 'Marker')).toMatch(/^EXAMPLEkakv9.*EXAMPLE$/);
  });

  it('reads an awsQuery map (SNS GetTopicAttributes), decoding entities and keeping trailing spaces', () => {
    // Act
    const entries = listOf(child(parseXml(getTopicAttributes), 'GetTopicAttributesResult'), 'Attributes', 'entry');

    // Assess
    const attributes = Object.fromEntries(entries.map((entry) => [textOf(entry, 'key'), textOf(entry, 'value')]));
    expect(Object.keys(attributes)).toEqual(['Owner', 'Policy', 'TopicArn', 'DisplayName']);
    expect(JSON.parse(attributes.Policy ?? '').Statement[0].Principal).toEqual({ AWS: '*' });
    expect(attributes.DisplayName).toBe('Alerts & <drift> ');
  });

  it('reads SNS Publish', () => {
    expect(textOf(child(parseXml(publish), 'PublishResult'), 'MessageId')).toBe('94f20ce6-13c5-43a0-9a9e-ca52d816e90b');
  });

  it('reads an ec2Query answer: no Result wrapper, item lists, escaped policy, empty sets', () => {
    // Act
    const root = parseXml(describeVpcEndpoints);

    // Assess
    const [endpoint, ...others] = listOf(root, 'vpcEndpointSet', 'item');
    expect(others).toEqual([]);
    expect(textOf(root, 'requestId')).toBe('19a9ff46-7df6-49b8-9726-3df27527089d');
    expect(textOf(endpoint, 'vpcEndpointId')).toBe('vpce-3ecf2a57');
    expect(JSON.parse(textOf(endpoint, 'policyDocument') ?? '')).toEqual({ Version: '2008-10-17', Statement: [{ Sid: '', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] });
    expect(listOf(endpoint, 'routeTableIdSet', 'item').map((item) => item.text)).toEqual(['rtb-4e5ef02b']);
    expect(listOf(endpoint, 'subnetIdSet', 'item')).toEqual([]);
    expect(child(endpoint, 'groupSet')).toEqual({ name: 'groupSet', attributes: {}, children: [], text: '' });
  });

  /** SDK v3 reads the same answer, received as a 200 from a fake handler. */
  async function sdkOutput(client: { send(command: never): Promise<unknown>; config: { requestHandler: unknown } }, command: unknown, body: string): Promise<unknown> {
    client.config.requestHandler = {
      handle: async () => ({ response: new HttpResponse({ statusCode: 200, headers: { 'content-type': 'text/xml' }, body: new TextEncoder().encode(body) }) }),
    };
    return client.send(command as never);
  }
  const config = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 };

  it.each([
    {
      answer: 'IAM GetRolePolicy (URL-encoded document)',
      sdk: () => sdkOutput(new IAMClient(config), new GetRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'guard' }), getRolePolicyUrlEncoded),
      fromSdk: (output: any) => output.PolicyDocument,
      ours: () => textOf(child(parseXml(getRolePolicyUrlEncoded), 'GetRolePolicyResult'), 'PolicyDocument'),
    },
    {
      answer: 'IAM ListAttachedRolePolicies',
      sdk: () => sdkOutput(new IAMClient(config), new ListAttachedRolePoliciesCommand({ RoleName: 'app-role' }), listAttachedRolePolicies),
      fromSdk: (output: any) => [output.AttachedPolicies.map((policy: { PolicyArn: string }) => policy.PolicyArn), output.IsTruncated, output.Marker],
      ours: () => {
        const result = child(parseXml(listAttachedRolePolicies), 'ListAttachedRolePoliciesResult');
        return [listOf(result, 'AttachedPolicies').map((policy) => textOf(policy, 'PolicyArn')), textOf(result, 'IsTruncated') === 'true', textOf(result, 'Marker')];
      },
    },
    {
      answer: 'SNS GetTopicAttributes',
      sdk: () => sdkOutput(new SNSClient(config), new GetTopicAttributesCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:My-Topic' }), getTopicAttributes),
      fromSdk: (output: any) => output.Attributes,
      ours: () =>
        Object.fromEntries(
          listOf(child(parseXml(getTopicAttributes), 'GetTopicAttributesResult'), 'Attributes', 'entry').map((entry) => [textOf(entry, 'key'), textOf(entry, 'value')]),
        ),
    },
    {
      answer: 'EC2 DescribeVpcEndpoints',
      sdk: () => sdkOutput(new EC2Client(config), new DescribeVpcEndpointsCommand({}), describeVpcEndpoints),
      fromSdk: (output: any) => output.VpcEndpoints.map((endpoint: any) => [endpoint.VpcEndpointId, endpoint.PolicyDocument, endpoint.RouteTableIds]),
      ours: () =>
        listOf(parseXml(describeVpcEndpoints), 'vpcEndpointSet', 'item').map((endpoint) => [
          textOf(endpoint, 'vpcEndpointId'),
          textOf(endpoint, 'policyDocument'),
          listOf(endpoint, 'routeTableIdSet', 'item').map((item) => item.text),
        ]),
    },
  ])('reads $answer to the same values as SDK v3', async ({ sdk, fromSdk, ours }) => {
    // Prepare
    const expected = fromSdk(await sdk());

    // Act
    const values = ours();

    // Assess
    expect(values).toEqual(expected);
  });
});

describe('parseXml on XML features', () => {
  it('decodes the predefined entities and character references in text and attributes', () => {
    // Act
    const root = parseXml(`<a title="&quot;x&quot; &amp; 'y' &#65;&#x42;">&lt;&gt;&amp;&quot;&apos; &#233;&#x1F600;&#xd;</a>`);

    // Assess
    expect(root.attributes.title).toBe(`"x" & 'y' AB`);
    expect(root.text).toBe(`<>&"' é😀\r`);
  });

  it('keeps CDATA as written and joins it with the text around it', () => {
    expect(parseXml('<a>x<![CDATA[<b>&amp;</b> ]]]]>y</a>').text).toBe('x<b>&amp;</b> ]]y');
  });

  it('skips comments and processing instructions wherever they stand', () => {
    // Act
    const root = parseXml('<?xml version="1.0"?>\n<!-- before -->\n<a><!-- inside --><?pi data?><b>1</b><!-- after b --></a>\n<!-- after -->\n');

    // Assess
    expect(root).toEqual({ name: 'a', attributes: {}, children: [{ name: 'b', attributes: {}, children: [], text: '1' }], text: '' });
  });

  it('reads single and double quoted attributes, whitespace around =, and prefixed names as written', () => {
    // Act
    const root = parseXml(`<ns2:Response xmlns:ns2="urn:x" a = 'one "1"' b="two 'b'" ><ns2:Item/></ns2:Response>`);

    // Assess
    expect(root.name).toBe('ns2:Response');
    expect(root.attributes).toEqual({ 'xmlns:ns2': 'urn:x', a: 'one "1"', b: "two 'b'" });
    expect(childrenNamed(root, 'ns2:Item')).toHaveLength(1);
  });

  it('drops whitespace between elements but keeps whitespace-only leaf text', () => {
    // Act
    const root = parseXml('<a>\n  <b>  </b>\n  <c>\n  x \n</c>\n</a>');

    // Assess
    expect(root.text).toBe('');
    expect(root.children.map((element) => element.text)).toEqual(['  ', '\n  x \n']);
  });

  it('accepts a byte order mark before the declaration', () => {
    expect(parseXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?><a/>').name).toBe('a');
  });

  it(`accepts nesting ${MAX_XML_DEPTH} deep`, () => {
    // Prepare
    const document = '<a>'.repeat(MAX_XML_DEPTH) + '</a>'.repeat(MAX_XML_DEPTH);

    // Act
    let element: XmlElement | undefined = parseXml(document);
    let depth = 0;
    while (element) {
      depth += 1;
      element = element.children[0];
    }

    // Assess
    expect(depth).toBe(MAX_XML_DEPTH);
  });

  it('returns undefined and empty lists for missing children', () => {
    // Prepare
    const root = parseXml('<a><b/></a>');

    // Act, Assess
    expect(child(root, 'missing')).toBeUndefined();
    expect(textOf(root, 'missing')).toBeUndefined();
    expect(textOf(undefined, 'b')).toBeUndefined();
    expect(listOf(root, 'missing')).toEqual([]);
    expect(childrenNamed(undefined, 'b')).toEqual([]);
  });
});

describe('parseXml on malformed or refused input', () => {
  it.each([
    ['an empty document', '', /no root element/],
    ['only a declaration', '<?xml version="1.0"?>', /no root element/],
    ['a document truncated inside text', getRolePolicy.slice(0, 200), /unexpected end of input/],
    ['a document truncated inside a start tag', getRolePolicy.slice(0, 30), /unterminated start tag|unterminated value/],
    ['a document truncated inside an end tag', getRolePolicy.slice(0, getRolePolicy.length - 3), /unterminated end tag/],
    ['a document missing its last end tag', getRolePolicy.slice(0, getRolePolicy.lastIndexOf('</')), /unexpected end of input/],
    ['mismatched tags', '<a><b></a></b>', /end tag <\/a> does not match <b>/],
    ['an end tag without a start tag', '<a></a></b>', /content after the root element/],
    ['two root elements', '<a/><b/>', /content after the root element/],
    ['text after the root element', '<a/>text', /content after the root element/],
    ['text before the root element', 'text<a/>', /text before the root element/],
    ['a DOCTYPE', '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /document type declarations are refused/],
    [
      'a billion-laughs DOCTYPE',
      '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
      /document type declarations are refused/,
    ],
    ['an external entity DOCTYPE', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', /document type declarations are refused/],
    ['a DOCTYPE inside an element', '<a><!DOCTYPE b></a>', /document type declarations are refused/],
    ['an unknown entity', '<a>&nbsp;</a>', /unknown entity &nbsp;/],
    ['a bare ampersand', '<a>fish & chips</a>', /unterminated entity reference/],
    ['a character reference to NUL', '<a>&#0;</a>', /not an XML character/],
    ['a character reference to a surrogate', '<a>&#xD800;</a>', /not an XML character/],
    ['a character reference beyond Unicode', '<a>&#x110000;</a>', /not an XML character/],
    ['a malformed character reference', '<a>&#12a;</a>', /malformed character reference/],
    ["'<' in an attribute value", '<a b="1<2"/>', /'<' in the value of attribute b/],
    ['an unquoted attribute', '<a b=1/>', /attribute b of <a> is not quoted/],
    ['an attribute without a value', '<a b/>', /attribute b of <a> has no value/],
    ['a duplicate attribute', '<a b="1" b="2"/>', /duplicate attribute b/],
    ['attributes without whitespace between them', '<a b="1"c="2"/>', /expected whitespace before an attribute/],
    ['an unterminated comment', '<a><!-- never closed</a>', /unterminated comment/],
    ['an unterminated CDATA section', '<a><![CDATA[never closed</a>', /unterminated CDATA section/],
    ['a declaration after the start', '<a/><?xml version="1.0"?>', /XML declaration not at the start/],
    ['a name starting with a digit', '<1a/>', /expected a name/],
    [`nesting deeper than ${MAX_XML_DEPTH}`, '<a>'.repeat(MAX_XML_DEPTH + 1) + '</a>'.repeat(MAX_XML_DEPTH + 1), new RegExp(`nested deeper than ${MAX_XML_DEPTH}`)],
  ])('refuses %s with an XmlParseError', (_label, document, message) => {
    // Act
    const act = () => parseXml(document);

    // Assess
    expect(act).toThrow(XmlParseError);
    expect(act).toThrow(message);
  });

  it('names the error and says where it was found', () => {
    // Act
    const error = captureError(() => parseXml('<a><b></a>'));

    // Assess
    expect(error).toBeInstanceOf(XmlParseError);
    expect(error).toMatchObject({ name: 'XmlParseError', offset: 6 });
    expect(String(error)).toBe('XmlParseError: end tag </a> does not match <b> (at offset 6)');
  });

  it.each([
    ['a million nested start tags', '<a>'.repeat(1_000_000)],
    ['a million ampersands', `<a>${'&amp;'.repeat(200_000)}${'&'.repeat(1_000_000)}</a>`],
    ['a million comment openers', '<a>' + '<!--'.repeat(1_000_000)],
    ['an attribute value that never ends', `<a b="${'x'.repeat(2_000_000)}`],
    ['fifty thousand siblings', `<a>${'<b/>'.repeat(50_000)}`],
  ])('fails fast on %s', (_label, document) => {
    // Prepare
    const started = performance.now();

    // Act
    const error = captureError(() => parseXml(document));

    // Assess: linear time; a quadratic scan of inputs this size would take minutes.
    expect(error).toBeInstanceOf(XmlParseError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

/*
 * Fuzzing. A random tree is serialised the way a conforming writer would (escaping & < > " in text and
 * attributes, sometimes CDATA) and must parse back to itself; random and damaged documents must either
 * parse or throw XmlParseError, never anything else, never hang.
 */
const nameArbitrary = fc.tuple(fc.option(fc.constantFrom('ns2:', 'aws:'), { nil: '' }), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,7}$/)).map(([prefix, local]) => prefix + local);
const textArbitrary = fc.string({ unit: 'binary', maxLength: 24 });

const { element: elementArbitrary } = fc.letrec<{ element: XmlElement }>((tie) => ({
  element: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ name: nameArbitrary, attributes: attributesArbitrary(), children: fc.constant([]), text: textArbitrary }),
    fc.record({ name: nameArbitrary, attributes: attributesArbitrary(), children: fc.array(tie('element'), { minLength: 1, maxLength: 4 }), text: fc.constant('') }),
  ),
}));

function attributesArbitrary() {
  return fc.dictionary(nameArbitrary, textArbitrary, { maxKeys: 3 }).map((attributes) => ({ ...attributes }));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function serialize(element: XmlElement, useCdata: boolean, indent: string): string {
  const attributes = Object.entries(element.attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
  if (element.children.length > 0) {
    const inner = element.children.map((childElement) => indent + serialize(childElement, useCdata, indent)).join('');
    return `<${element.name}${attributes}>${inner}${indent}</${element.name}>`;
  }
  if (element.text === '') return `<${element.name}${attributes}/>`;
  const text = useCdata && !element.text.includes(']]>') ? `<![CDATA[${element.text}]]>` : escapeXml(element.text);
  return `<${element.name}${attributes}>${text}</${element.name}>`;
}

describe('parseXml under fuzzing', () => {
  it('parses any serialised tree back to itself', () => {
    fc.assert(
      fc.property(elementArbitrary, fc.boolean(), fc.constantFrom('', '\n  ', '\t'), (tree, useCdata, indent) => {
        // Act
        const parsed = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${serialize(tree, useCdata, indent)}\n`);

        // Assess
        expect(parsed).toEqual(tree);
      }),
      { numRuns: 300 },
    );
  });

  it('parses or throws XmlParseError for damaged documents', () => {
    fc.assert(
      fc.property(elementArbitrary, fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 4 }), (tree, cut, insertAt, inserted) => {
        // Prepare
        const document = serialize(tree, false, ' ');
        const damaged = document.slice(0, insertAt % (document.length + 1)) + inserted + document.slice(insertAt % (document.length + 1), document.length - (cut % 3));

        // Act
        const error = captureError(() => parseXml(damaged));

        // Assess
        if (error !== undefined) expect(error).toBeInstanceOf(XmlParseError);
      }),
      { numRuns: 500 },
    );
  });

  it('parses or throws XmlParseError for random text made of XML punctuation', () => {
    const punctuation = fc.constantFrom('<', '>', '/', '?', '!', '-', '[', ']', '&', ';', '#', 'x', '"', "'", '=', ' ', 'a', 'CDATA', 'DOCTYPE', '--', 'amp');
    fc.assert(
      fc.property(fc.array(punctuation, { maxLength: 40 }).map((parts) => parts.join('')), (document) => {
        // Act
        const error = captureError(() => parseXml(document));

        // Assess
        if (error !== undefined) expect(error).toBeInstanceOf(XmlParseError);
      }),
      { numRuns: 2_000 },
    );
  });
});

function captureError(act: () => unknown): unknown {
  try {
    act();
    return undefined;
  } catch (error) {
    return error;
  }
}
