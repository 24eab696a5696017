package dev.kiln.cdk;

import java.util.List;
import java.util.Map;

import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.elasticache.CfnReplicationGroup;
import software.amazon.awscdk.services.memorydb.CfnACL;
import software.amazon.awscdk.services.memorydb.CfnCluster;
import software.amazon.awscdk.services.memorydb.CfnUser;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The job store: the Redis that holds every job record. Two flavours, both Valkey, TLS, encrypted at rest, in the
 * private subnets, reachable only from the cluster's security group on 6379, with {@code hash-max-listpack-value
 * 1024} in their parameter group (a job record stays one listpack; see BENCHMARKS.md) and the password in Secrets
 * Manager:
 * <ul>
 * <li>{@link Flavour#MEMORYDB} (default): a Multi-AZ transaction log acknowledges a write only once it is durable, so
 * a failover loses nothing Kiln was told was stored. This is what "no accepted job is lost" needs (chaos/README.md).
 * MemoryDB only runs in cluster mode: see the module README for what that asks of the services.</li>
 * <li>{@link Flavour#ELASTICACHE}: cheaper. A primary and one replica in another zone with automatic failover;
 * replication is asynchronous, so a failover loses the writes the primary acknowledged but had not yet sent to the
 * replica (the replication lag at that moment: usually milliseconds, unbounded under load or a network partition),
 * and the store is unavailable for the failover itself (typically under a minute). A job accepted in that window can
 * vanish with its record.</li>
 * </ul>
 */
final class JobStore extends Construct {

	/** Which store. */
	enum Flavour {

		MEMORYDB, ELASTICACHE

	}

	static final int PORT = 6379;

	/** The user the services authenticate as (MemoryDB ACLs need a named user). */
	static final String USER = "kiln";

	/** The Redis settings Kiln needs, in both parameter groups. */
	static final Map<String, String> PARAMETERS = Map.of("hash-max-listpack-value", "1024");

	private final Flavour flavour;

	private final Secret secret;

	private final SecurityGroup securityGroup;

	private final String host;

	JobStore(Construct scope, String id, String environment, Flavour flavour, IVpc vpc, ISecurityGroup clients) {
		super(scope, id);
		this.flavour = flavour;
		String name = "kiln-" + environment;
		this.secret = Secret.Builder.create(this, "Password")
			.description("Kiln job store password (" + flavour.name().toLowerCase() + " user " + USER + ")")
			.generateSecretString(SecretStringGenerator.builder()
				.passwordLength(40)
				.excludePunctuation(true)
				.build())
			.build();
		this.securityGroup = SecurityGroup.Builder.create(this, "SecurityGroup")
			.vpc(vpc)
			.description("Kiln job store: Redis protocol from the EKS cluster only")
			.allowAllOutbound(false)
			.build();
		this.securityGroup.addIngressRule(Peer.securityGroupId(clients.getSecurityGroupId()), Port.tcp(PORT),
				"Kiln services on EKS");
		List<String> subnets = vpc.selectSubnets(SubnetSelection.builder()
			.subnetType(SubnetType.PRIVATE_WITH_EGRESS)
			.build()).getSubnetIds();
		String password = this.secret.getSecretValue().unsafeUnwrap();
		this.host = switch (flavour) {
			case MEMORYDB -> memoryDb(name, subnets, password);
			case ELASTICACHE -> elastiCache(name, subnets, password);
		};
	}

	private String memoryDb(String name, List<String> subnets, String password) {
		var parameters = software.amazon.awscdk.services.memorydb.CfnParameterGroup.Builder.create(this, "Parameters")
			.parameterGroupName(name)
			.family("memorydb_valkey7")
			.description("Kiln job records stay listpacks")
			.parameters(PARAMETERS)
			.build();
		var subnetGroup = software.amazon.awscdk.services.memorydb.CfnSubnetGroup.Builder.create(this, "Subnets")
			.subnetGroupName(name)
			.subnetIds(subnets)
			.build();
		CfnUser user = CfnUser.Builder.create(this, "User")
			.userName(USER)
			.accessString("on ~* &* +@all")
			.authenticationMode(Map.of("Type", "password", "Passwords", List.of(password)))
			.build();
		CfnACL acl = CfnACL.Builder.create(this, "Acl").aclName(name).userNames(List.of(USER)).build();
		acl.getNode().addDependency(user);
		CfnCluster cluster = CfnCluster.Builder.create(this, "Cluster")
			.clusterName(name)
			.engine("valkey")
			.engineVersion("7.2")
			.nodeType("db.r7g.large")
			.numShards(1)
			.numReplicasPerShard(1)
			.aclName(acl.getAclName())
			.parameterGroupName(parameters.getParameterGroupName())
			.subnetGroupName(subnetGroup.getSubnetGroupName())
			.securityGroupIds(List.of(this.securityGroup.getSecurityGroupId()))
			.tlsEnabled(true)
			.port(PORT)
			.snapshotRetentionLimit(7)
			.autoMinorVersionUpgrade(true)
			.build();
		cluster.getNode().addDependency(acl);
		cluster.getNode().addDependency(parameters);
		cluster.getNode().addDependency(subnetGroup);
		return cluster.getAttrClusterEndpointAddress();
	}

	private String elastiCache(String name, List<String> subnets, String password) {
		var parameters = software.amazon.awscdk.services.elasticache.CfnParameterGroup.Builder.create(this,
				"Parameters")
			.cacheParameterGroupFamily("valkey8")
			.description("Kiln job records stay listpacks")
			.properties(PARAMETERS)
			.build();
		var subnetGroup = software.amazon.awscdk.services.elasticache.CfnSubnetGroup.Builder.create(this, "Subnets")
			.cacheSubnetGroupName(name)
			.description("Kiln job store")
			.subnetIds(subnets)
			.build();
		CfnReplicationGroup group = CfnReplicationGroup.Builder.create(this, "ReplicationGroup")
			.replicationGroupId(name)
			.replicationGroupDescription("Kiln job store (asynchronous replica: see the README's loss window)")
			.engine("valkey")
			.engineVersion("8.0")
			.cacheNodeType("cache.r7g.large")
			.numCacheClusters(2)
			.automaticFailoverEnabled(true)
			.multiAzEnabled(true)
			.cacheParameterGroupName(parameters.getRef())
			.cacheSubnetGroupName(subnetGroup.getRef())
			.securityGroupIds(List.of(this.securityGroup.getSecurityGroupId()))
			.transitEncryptionEnabled(true)
			.atRestEncryptionEnabled(true)
			.authToken(password)
			.port(PORT)
			.snapshotRetentionLimit(7)
			.autoMinorVersionUpgrade(true)
			.build();
		group.getNode().addDependency(subnetGroup);
		return group.getAttrPrimaryEndPointAddress();
	}

	Flavour flavour() {
		return this.flavour;
	}

	ISecret secret() {
		return this.secret;
	}

	String host() {
		return this.host;
	}

	SecurityGroup securityGroup() {
		return this.securityGroup;
	}

}
