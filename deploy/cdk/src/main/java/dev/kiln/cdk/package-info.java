/**
 * The Kiln CDK app: one stack per named environment with everything Kiln needs on AWS, checked by cdk-nag.
 */
@NullMarked
package dev.kiln.cdk;

import org.jspecify.annotations.NullMarked;
