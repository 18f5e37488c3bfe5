<?php
/**
 * Server rendering of the "Mesh Pay button" block: the same escaped element as the shortcode.
 *
 * @package MeshPay
 *
 * @var array $attributes Block attributes (as saved in the post: never trusted).
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

$mesh_pay_markup = mesh_pay_button_markup(
	array(
		'order_id' => $attributes['orderId'] ?? '',
		'label'    => $attributes['label'] ?? '',
		'theme'    => $attributes['theme'] ?? '',
	)
);
if ( '' !== $mesh_pay_markup ) {
	printf( '<div %s>%s</div>', get_block_wrapper_attributes(), $mesh_pay_markup ); // phpcs:ignore WordPress.Security.EscapeOutput -- both parts are escaped where they are built.
}
